using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Tests.Harness;
using HydraMigration.Transfer;

namespace HydraMigration.Tests.Transfer;

/// <summary>
/// The transfer engine under Copy-HydraDump, against the private sshd: the remote folder is
/// local to this machine, so the tests read and write "remote" files directly to check them.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SftpFileTransferTests(SshFixture ssh, PostgresFixture pg) : IDisposable
{
    private readonly TestSshHost _host = new(ssh.Server);

    public void Dispose() => _host.Dispose();

    [Theory]
    [MemberData(nameof(SftpModes.Both), MemberType = typeof(SftpModes))]
    public async Task UploadAndDownloadMoveEveryByteAndAgreeOnTheHash(SftpMode mode)
    {
        using var sftpMode = SftpModes.Use(mode);
        var folder = pg.NewFolder("transfer");
        var source = RandomFile(Path.Combine(folder, "source.bin"), (9 << 20) + 12345);
        var remote = RemotePath("roundtrip.bin");

        using var sent = Sha();
        var progress = new TransferProgress();
        var verification = await new SftpFileTransfer(_host).UploadAndVerifyAsync(source, remote, 0, sent, progress, CancellationToken.None);

        var expected = HashOf(File.ReadAllBytes(source));
        Assert.Equal(expected, verification.LocalSha256);
        Assert.Equal(expected, verification.RemoteSha256);
        Assert.Equal("openssl", verification.Method);
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(remote));
        Assert.Equal(new FileInfo(source).Length, progress.BytesTransferred);
        Assert.Equal(new FileInfo(source).Length, progress.TotalBytes);

        var back = Path.Combine(folder, "back.bin");
        using var received = Sha();
        await new SftpFileTransfer(_host).DownloadAsync(remote, back, 0, received, new TransferProgress(), CancellationToken.None);
        Assert.Equal(expected, SftpFileTransfer.Hex(received.GetHashAndReset()));
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(back));
    }

    [Theory]
    [MemberData(nameof(SftpModes.Both), MemberType = typeof(SftpModes))]
    public async Task AnEmptyFileAndAFileSmallerThanAChunkCopyToo(SftpMode mode)
    {
        using var sftpMode = SftpModes.Use(mode);
        var folder = pg.NewFolder("transfer-small");
        foreach (var size in new[] { 0, 1, 70000 })
        {
            var source = RandomFile(Path.Combine(folder, $"s{size}.bin"), size);
            var remote = RemotePath($"small-{size}.bin");
            using var sent = Sha();
            var verification = await new SftpFileTransfer(_host).UploadAndVerifyAsync(source, remote, 0, sent, new TransferProgress(), CancellationToken.None);
            Assert.True(verification.Matches);
            Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(remote));

            var back = Path.Combine(folder, $"b{size}.bin");
            using var received = Sha();
            await new SftpFileTransfer(_host).DownloadAsync(remote, back, 0, received, new TransferProgress(), CancellationToken.None);
            Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(back));
        }
    }

    [Theory]
    [MemberData(nameof(SftpModes.Both), MemberType = typeof(SftpModes))]
    public async Task AnUploadResumesFromAnOffsetAndDropsWhateverFollowedIt(SftpMode mode)
    {
        using var sftpMode = SftpModes.Use(mode);
        var folder = pg.NewFolder("transfer-resume-up");
        var source = RandomFile(Path.Combine(folder, "source.bin"), 5 << 20);
        var bytes = File.ReadAllBytes(source);
        var remote = RemotePath("resume-up.bin");
        const int offset = 3 << 20;

        // A verified prefix, then junk a failed run might have left (holes read as zeros).
        File.WriteAllBytes(remote, bytes.Take(offset).Concat(new byte[777_000]).ToArray());
        ExternalCommand.Run("chown", new[] { SshServer.UserName, remote });

        using var hash = Sha();
        hash.AppendData(bytes, 0, offset);
        var progress = new TransferProgress();
        await new SftpFileTransfer(_host).UploadAsync(source, remote, offset, hash, progress, CancellationToken.None);

        Assert.Equal(HashOf(bytes), SftpFileTransfer.Hex(hash.GetHashAndReset()));
        Assert.Equal(bytes, File.ReadAllBytes(remote));
        Assert.Equal(bytes.Length, progress.BytesTransferred);
        Assert.Equal(HashOf(bytes), await RemoteHasher.ComputeAsync(_host, remote, null, CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(SftpModes.Both), MemberType = typeof(SftpModes))]
    public async Task ADownloadResumesFromAnOffset(SftpMode mode)
    {
        using var sftpMode = SftpModes.Use(mode);
        var folder = pg.NewFolder("transfer-resume-down");
        var remote = RandomFile(RemotePath("resume-down.bin"), (4 << 20) + 99);
        var bytes = File.ReadAllBytes(remote);
        var local = Path.Combine(folder, "partial.bin");
        const int offset = (2 << 20) + 17;
        File.WriteAllBytes(local, bytes.Take(offset).ToArray());

        using var hash = Sha();
        hash.AppendData(bytes, 0, offset);
        await new SftpFileTransfer(_host).DownloadAsync(remote, local, offset, hash, new TransferProgress(), CancellationToken.None);

        Assert.Equal(HashOf(bytes), SftpFileTransfer.Hex(hash.GetHashAndReset()));
        Assert.Equal(bytes, File.ReadAllBytes(local));
    }

    [Theory]
    [MemberData(nameof(SftpModes.Both), MemberType = typeof(SftpModes))]
    public async Task CancellingAnUploadLeavesAContiguousPrefix(SftpMode mode)
    {
        using var sftpMode = SftpModes.Use(mode);
        var folder = pg.NewFolder("transfer-cancel-up");
        var source = RandomFile(Path.Combine(folder, "source.bin"), 96 << 20);
        var remote = RemotePath("cancel-up.bin");
        using var cancel = new CancellationTokenSource();
        var progress = new TransferProgress();
        using var hash = Sha();

        var upload = new SftpFileTransfer(_host, SmallWindow()).UploadAsync(source, remote, 0, hash, progress, cancel.Token);
        Assert.True(Poll.Until(() => upload.IsCompleted || progress.BytesTransferred > (8 << 20)));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => upload);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"stopping took {clock.Elapsed}");

        AssertPrefixOf(source, remote);
    }

    [Theory]
    [MemberData(nameof(SftpModes.Both), MemberType = typeof(SftpModes))]
    public async Task CancellingADownloadLeavesAContiguousPrefix(SftpMode mode)
    {
        using var sftpMode = SftpModes.Use(mode);
        var folder = pg.NewFolder("transfer-cancel-down");
        var remote = RandomFile(RemotePath("cancel-down.bin"), 96 << 20);
        var local = Path.Combine(folder, "partial.bin");
        using var cancel = new CancellationTokenSource();
        var progress = new TransferProgress();
        using var hash = Sha();

        var download = new SftpFileTransfer(_host, SmallWindow()).DownloadAsync(remote, local, 0, hash, progress, cancel.Token);
        Assert.True(Poll.Until(() => download.IsCompleted || progress.BytesTransferred > (8 << 20)));
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => download);

        AssertPrefixOf(remote, local);
        Assert.True(new FileInfo(local).Length >= 8 << 20);
    }

    [Theory]
    [MemberData(nameof(SftpModes.Both), MemberType = typeof(SftpModes))]
    public async Task AKilledSessionFailsTheUploadWithAClearErrorAndAResumableFile(SftpMode mode)
    {
        using var sftpMode = SftpModes.Use(mode);
        var folder = pg.NewFolder("transfer-killed");
        var source = RandomFile(Path.Combine(folder, "source.bin"), 96 << 20);
        var remote = RemotePath("killed.bin");
        var progress = new TransferProgress();
        using var hash = Sha();
        var options = SmallWindow();

        var upload = new SftpFileTransfer(_host, options).UploadAsync(source, remote, 0, hash, progress, CancellationToken.None);
        Assert.True(Poll.Until(() => upload.IsCompleted || progress.BytesTransferred > (8 << 20)));
        ssh.Server.KillSessions();

        var error = await Assert.ThrowsAsync<HydraException>(() => upload);
        Assert.Equal("SshConnectionLost", error.ErrorId);
        Assert.Equal(remote, error.Target);
        Assert.Contains("-Resume", error.Message, StringComparison.Ordinal);

        // The engine truncated over a fresh connection (the server still runs), or the prefix
        // before SafeResumeOffset is whole: either way a resume from there is sound.
        var partial = new FileInfo(remote).Length;
        var safe = SftpFileTransfer.SafeResumeOffset(partial, options);
        var expected = File.ReadAllBytes(source).AsSpan(0, (int)safe).ToArray();
        Assert.Equal(expected, File.ReadAllBytes(remote).AsSpan(0, (int)safe).ToArray());

        using var again = Sha();
        again.AppendData(expected);
        using var host = new TestSshHost(ssh.Server);
        await new SftpFileTransfer(host, options).UploadAsync(source, remote, safe, again, new TransferProgress(), CancellationToken.None);
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(remote));
    }

    [Theory]
    [MemberData(nameof(SftpModes.Both), MemberType = typeof(SftpModes))]
    public async Task AKilledSessionFailsTheDownloadWithAClearError(SftpMode mode)
    {
        using var sftpMode = SftpModes.Use(mode);
        var folder = pg.NewFolder("transfer-killed-down");
        var remote = RandomFile(RemotePath("killed-down.bin"), 96 << 20);
        var local = Path.Combine(folder, "partial.bin");
        var progress = new TransferProgress();
        using var hash = Sha();

        var download = new SftpFileTransfer(_host, SmallWindow()).DownloadAsync(remote, local, 0, hash, progress, CancellationToken.None);
        Assert.True(Poll.Until(() => download.IsCompleted || progress.BytesTransferred > (8 << 20)));
        ssh.Server.KillSessions();

        var error = await Assert.ThrowsAsync<HydraException>(() => download);
        Assert.Equal("SshConnectionLost", error.ErrorId);
        AssertPrefixOf(remote, local);
    }

    [Fact]
    public async Task RequestsInFlightFailWhenTheSftpSessionClosesUnderThemInsteadOfWaitingForever()
    {
        // Once the session is gone the answers' callbacks never come; the operation must end anyway.
        var remote = RandomFile(RemotePath("channel-closed.bin"), 64 << 20);
        using var client = _host.OpenSftp(CancellationToken.None);
        using var stream = client.OpenRead(remote);
        using var watch = PipelinedSftp.Watch(client, TimeSpan.FromSeconds(120));
        var pipeline = PipelinedSftp.TryCreate(client, stream.Handle, new object(), watch);
        Assert.NotNull(pipeline);
        var session = SftpInternals.Current!.SessionOf(client)!;

        // 512 requests are sent before ReadAsync returns; the channel closes while they are answered.
        var read = pipeline!.ReadAsync(stream.Handle, 0, new byte[64 << 20], 64 << 20, CancellationToken.None);
        session.GetType().GetMethod("Disconnect")!.Invoke(session, null); // SSH.NET's SFTP session: its channel closes

        Assert.Same(read, await Task.WhenAny(read, Task.Delay(15000)));
        var error = await Assert.ThrowsAnyAsync<Exception>(() => read);
        Assert.True(error is Renci.SshNet.Common.SshException or InvalidOperationException, error.ToString());
    }

    [Fact]
    public async Task AnEmptyWriteOrReadCompletesAtOnce()
    {
        using var client = _host.OpenSftp(CancellationToken.None);
        using var stream = client.Open(RemotePath("empty-request.bin"), FileMode.Create, FileAccess.ReadWrite);
        using var watch = PipelinedSftp.Watch(client, TimeSpan.FromSeconds(120));
        var pipeline = PipelinedSftp.TryCreate(client, stream.Handle, new object(), watch)!;
        var write = pipeline.WriteAsync(stream.Handle, 0, new byte[16], 0, CancellationToken.None);
        var read = pipeline.ReadAsync(stream.Handle, 0, new byte[16], 0, CancellationToken.None);
        Assert.Same(write, await Task.WhenAny(write, Task.Delay(5000)));
        Assert.Equal(0, await read.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [MemberData(nameof(SftpModes.Both), MemberType = typeof(SftpModes))]
    public async Task AServerThatStopsAnsweringFailsTheDownloadAfterTheNoAnswerTimeout(SftpMode mode)
    {
        using var sftpMode = SftpModes.Use(mode);
        // A peer that vanished without a reset raises no error in SSH.NET: nothing would ever end the wait.
        var folder = pg.NewFolder("transfer-silent");
        var remote = RandomFile(RemotePath("silent.bin"), 96 << 20);
        var local = Path.Combine(folder, "partial.bin");
        var progress = new TransferProgress();
        using var hash = Sha();
        var options = SmallWindow();
        options.NoAnswerTimeout = TimeSpan.FromSeconds(3);

        var download = new SftpFileTransfer(_host, options).DownloadAsync(remote, local, 0, hash, progress, CancellationToken.None);
        Assert.True(Poll.Until(() => download.IsCompleted || progress.BytesTransferred > (8 << 20)));
        ssh.Server.PauseSessions();
        try
        {
            Assert.Same(download, await Task.WhenAny(download, Task.Delay(30000)));
            var error = await Assert.ThrowsAsync<HydraException>(() => download);
            Assert.Equal("SshConnectionLost", error.ErrorId);
            Assert.Contains("not answered", error.Message, StringComparison.Ordinal);
            AssertPrefixOf(remote, local);
        }
        finally
        {
            ssh.Server.KillSessions();
        }
    }

    [Theory]
    [MemberData(nameof(SftpModes.Both), MemberType = typeof(SftpModes))]
    public async Task AFullRemoteDiskFailsTheUploadWithTheServersErrorNotACancellation(SftpMode mode)
    {
        using var sftpMode = SftpModes.Use(mode);
        Assert.True(ExternalCommand.IsRoot, "this test mounts a small tmpfs and needs root (CI runs as root)");
        var source = RandomFile(Path.Combine(pg.NewFolder("transfer-full"), "big.bin"), 16 << 20);
        var mount = ssh.Server.NewRemoteFolder("full");
        var uid = ExternalCommand.Run("id", new[] { "-u", SshServer.UserName }).Trim();
        ExternalCommand.Run("mount", new[] { "-t", "tmpfs", "-o", "size=2m,mode=0755,uid=" + uid, "tmpfs", mount });
        try
        {
            using var hash = Sha();
            var upload = new SftpFileTransfer(_host, SmallWindow()).UploadAsync(source, Path.Combine(mount, "big.bin"), 0, hash, new TransferProgress(), CancellationToken.None);

            // The first refused write stops the others; their cancellations must not be what is reported.
            var error = await Assert.ThrowsAsync<HydraException>(() => upload);
            Assert.Equal("TransferFailed", error.ErrorId);
            Assert.True(error.Message.Contains("refused", StringComparison.Ordinal), error.Message);
            Assert.DoesNotContain("cancel", error.Message, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            ExternalCommand.Run("umount", new[] { mount }, check: false);
        }
    }

    [Theory]
    [MemberData(nameof(SftpModes.Both), MemberType = typeof(SftpModes))]
    public async Task AMissingRemoteFileIsAClearError(SftpMode mode)
    {
        using var sftpMode = SftpModes.Use(mode);
        var local = Path.Combine(pg.NewFolder("transfer-missing"), "x.bin");
        using var hash = Sha();
        var error = await Assert.ThrowsAsync<HydraException>(() => new SftpFileTransfer(_host).DownloadAsync(RemotePath("does-not-exist.bin"), local, 0, hash, new TransferProgress(), CancellationToken.None));
        Assert.Equal("TransferFailed", error.ErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.ObjectNotFound, error.Category);
    }

    [Fact]
    public async Task TheRemoteHasherQuotesNamesWithSpacesAndQuotes()
    {
        var remote = RandomFile(RemotePath("it's a \"dump\" $HOME `id` \\ x.bin"), (1 << 20) + 3);
        var bytes = File.ReadAllBytes(remote);

        Assert.Equal(HashOf(bytes), await RemoteHasher.ComputeAsync(_host, remote, null, CancellationToken.None));
        Assert.Equal(HashOf(bytes.AsSpan(0, 1000).ToArray()), await RemoteHasher.ComputeAsync(_host, remote, 1000, CancellationToken.None));
        Assert.Equal(HashOf(bytes.AsSpan(0, 1000).ToArray()), await RemoteHasher.ReadBackAsync(_host, remote, 1000, CancellationToken.None));
        Assert.Equal(HashOf(bytes), await RemoteHasher.ReadBackAsync(_host, remote, null, CancellationToken.None));

        var missing = await Assert.ThrowsAsync<HydraException>(() => RemoteHasher.ComputeAsync(_host, RemotePath("nope 'x'.bin"), null, CancellationToken.None));
        Assert.Equal("RemoteHashFailed", missing.ErrorId);
    }

    [Theory]
    [MemberData(nameof(SftpModes.Both), MemberType = typeof(SftpModes))]
    public async Task AnUploadToANameWithQuotesVerifiesWhileItRuns(SftpMode mode)
    {
        using var sftpMode = SftpModes.Use(mode);
        var folder = pg.NewFolder("transfer-quoted");
        var source = RandomFile(Path.Combine(folder, "source.bin"), 20 << 20);
        var remote = RemotePath("up 'quoted' \"name\".bin");
        using var hash = Sha();
        var verification = await new SftpFileTransfer(_host).UploadAndVerifyAsync(source, remote, 0, hash, new TransferProgress(), CancellationToken.None);
        Assert.True(verification.Matches, $"{verification.LocalSha256} vs {verification.RemoteSha256}");
        Assert.Equal(HashOf(File.ReadAllBytes(source)), verification.RemoteSha256);
    }

    [Fact]
    public void TheFastAlgorithmsComeFirstAndTheOthersStay()
    {
        var info = new Renci.SshNet.ConnectionInfo("h", "u", new Renci.SshNet.PasswordAuthenticationMethod("u", "p"));
        var ciphers = info.Encryptions.Keys.ToList();
        var types = info.Encryptions.ToDictionary(c => c.Key, c => c.Value);
        SshAlgorithms.PreferFastest(info);

        // The net8.0 build (PowerShell 7, the tests): the runtime's AES-GCM first, then CTR; SSH.NET's own ciphers, untouched.
        var order = info.Encryptions.Keys.ToList();
        Assert.Equal(new[] { "aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "aes128-ctr" }, order.Take(3));
        Assert.True(info.Encryptions["aes128-gcm@openssh.com"].IsAead);
        Assert.All(info.Encryptions, c => Assert.Same(types[c.Key], c.Value));
        Assert.Equal("hmac-sha2-256-etm@openssh.com", info.HmacAlgorithms.Keys.First());
        Assert.Equal(ciphers.OrderBy(c => c), order.OrderBy(c => c));
    }

    [Fact]
    public void ConnectionsToTheTestServerUseAesGcm()
    {
        using var client = _host.OpenSftp(CancellationToken.None);
        Assert.Equal("aes128-gcm@openssh.com", client.ConnectionInfo.CurrentClientEncryption);
        Assert.Equal("aes128-gcm@openssh.com", client.ConnectionInfo.CurrentServerEncryption);
    }

    [Fact]
    public void TheSupportLeverForcesThePublicApi()
    {
        // HYDRA_SFTP_PUBLIC_API=1: no pipelines, no watch, whatever this SSH.NET offers.
        var remote = RandomFile(RemotePath("lever.bin"), 10);
        using var client = _host.OpenSftp(CancellationToken.None);
        using var stream = client.OpenRead(remote);
        using (SftpModes.Use(SftpMode.PublicApi))
        {
            Assert.True(SftpInternals.Available);
            Assert.Null(SftpInternals.Current);
            Assert.Null(PipelinedSftp.Watch(client, TimeSpan.FromSeconds(120)));
        }

        using var watch = PipelinedSftp.Watch(client, TimeSpan.FromSeconds(120));
        Assert.NotNull(PipelinedSftp.TryCreate(client, stream.Handle, new object(), watch));
    }

    [Fact]
    public void ThePinnedSshNetOffersThePipelinedRequests()
    {
        // Without them the engine falls back to one request per handle at a time: correct, but
        // far from scp's speed. An SSH.NET upgrade that renames them must be noticed here.
        var remote = RandomFile(RemotePath("pipelined.bin"), 10);
        using var client = _host.OpenSftp(CancellationToken.None);
        using var stream = client.OpenRead(remote);
        using var watch = PipelinedSftp.Watch(client, TimeSpan.FromSeconds(120));
        var pipeline = PipelinedSftp.TryCreate(client, stream.Handle, new object(), watch);
        Assert.NotNull(pipeline);

        // The test sshd is a recent OpenSSH: requests are the large ones, not one channel packet each.
        Assert.Equal(PipelinedSftp.LargeRequest, pipeline!.WriteRequestLength);
        Assert.Equal(PipelinedSftp.LargeRequest, pipeline.ReadRequestLength);
    }

    [Fact]
    public async Task ASessionReassemblesLargeAnswersInTheBufferItWasGiven()
    {
        // The fast path hands each new connection's SFTP session a kept receive buffer
        // (SpareBuffers) instead of letting it grow fresh ones: without the binding every copy
        // leaves Large Object Heap garbage again, and a wrong one would damage the bytes read.
        using var sftpMode = SftpModes.Use(SftpMode.Fast);
        var bytes = new byte[(3 * PipelinedSftp.LargeRequest) + 12345];
        Random.Shared.NextBytes(bytes);
        var remote = RemotePath("given-buffer.bin");
        File.WriteAllBytes(remote, bytes);
        using var client = _host.OpenSftp(CancellationToken.None);
        var sftp = SftpInternals.Current!;
        var given = new byte[SpareBuffers.Receive.Size];
        Assert.True(sftp.GiveReceiveBuffer(sftp.SessionOf(client)!, given));

        using var stream = client.OpenRead(remote);
        using var watch = PipelinedSftp.Watch(client, TimeSpan.FromSeconds(120));
        var pipeline = PipelinedSftp.TryCreate(client, stream.Handle, new object(), watch)!;
        var read = new byte[bytes.Length];
        var filled = await pipeline.ReadAsync(stream.Handle, 0, read, read.Length, CancellationToken.None);

        Assert.Equal(bytes.Length, filled);
        Assert.Equal(HashOf(bytes), HashOf(read));
        Assert.Contains(given, b => b != 0); // the answers went through the given buffer
    }

    [Fact]
    public void ShellQuotingSurvivesEveryCharacter()
    {
        var name = "a b'c\"d$e`f\\g\n*";
        var echoed = ExternalCommand.Run("sh", new[] { "-c", "printf %s " + HydraMigration.Ssh.RemoteShell.Quote(name) });
        Assert.Equal(name, echoed);
    }

    private static TransferOptions SmallWindow() => new() { Connections = 2, StreamsPerConnection = 2, ChunkSize = 64 * 1024, Window = 8 };

    private string RemotePath(string name) => Path.Combine(ssh.Server.RemoteFolder, Guid.NewGuid().ToString("N")[..6] + "-" + name);

    private static IncrementalHash Sha() => IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    private static string HashOf(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

    private static string RandomFile(string path, int size)
    {
        var bytes = new byte[size];
        Random.Shared.NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>The copy is no longer than the original and equals its beginning.</summary>
    private static void AssertPrefixOf(string original, string partial)
    {
        var whole = File.ReadAllBytes(original);
        var part = File.ReadAllBytes(partial);
        Assert.True(part.Length <= whole.Length, $"{part.Length} > {whole.Length}");
        Assert.True(whole.AsSpan(0, part.Length).SequenceEqual(part), "the partial file differs from the original's prefix");
    }
}
