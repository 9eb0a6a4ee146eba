using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using HydraMigration.Tests.Dump;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Ssh;

/// <summary>Copy-HydraDump up, down and locally: verified against the manifest, never half-written, resumable.</summary>
[Collection(PostgresCollection.Name)]
public sealed class CopyHydraDumpTests : IDisposable
{
    private const string CopyCmd = ",HydraMigration.Commands.CopyHydraDumpCommand";
    private readonly PostgresFixture _pg;
    private readonly SshServer _server;
    private readonly PowerShellSession _ps = new();
    private readonly string _local;
    private readonly string _remote;

    public CopyHydraDumpTests(PostgresFixture pg, SshFixture ssh)
    {
        _pg = pg;
        _server = ssh.Server;
        _local = pg.NewFolder("copy");
        _remote = _server.NewRemoteFolder("copy");
        SshLogin.Open(_ps, "s", _server, _local);
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
    }

    public void Dispose()
    {
        _ps.Run("Get-HydraSshSession | Remove-HydraSshSession");
        _ps.Dispose();
    }

    [Theory]
    [MemberData(nameof(SftpModes.Both), MemberType = typeof(SftpModes))]
    public void ADumpMadeOnTheSshHostComesBackVerifiedWithItsManifest(SftpMode mode)
    {
        using var sftpMode = SftpModes.Use(mode);
        var result = _ps.Run("New-HydraDump -Connection $src -SshSession $s -Path $args[0] | Copy-HydraDump -Destination $args[1]", _remote + "/shop.dump", _local + "/");

        AssertNoErrors(result);
        var copy = result.Output.Single();
        var path = Path.Combine(_local, "shop.dump");
        Assert.Equal(path, copy.Properties["Path"].Value);
        Assert.Null(copy.Properties["SshSession"].Value);
        Assert.Equal("local", copy.Properties["Location"].Value);
        Assert.Equal(DumpFiles.Sha256(Path.Combine(_remote, "shop.dump")), DumpFiles.Sha256(path));
        Assert.Equal(DumpFiles.Sha256(path), copy.Properties["Sha256"].Value);
        Assert.Equal(File.ReadAllText(Path.Combine(_remote, "shop.dump.manifest.json")), File.ReadAllText(path + ".manifest.json"));
        Assert.Equal(new[] { "known_hosts", "shop.dump", "shop.dump.manifest.json" }, Directory.GetFiles(_local).Select(Path.GetFileName).Order());

        // Progress reports bytes, percentage and throughput.
        Assert.Contains(result.Progress, p => p.CurrentOperation is { } op && op.Contains("/s", StringComparison.Ordinal) && op.Contains(" of ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Custom", "shop.dump", SftpMode.Fast)]
    [InlineData("Directory", "shop.d", SftpMode.Fast)]
    [InlineData("Custom", "shop.dump", SftpMode.PublicApi)]
    [InlineData("Directory", "shop.d", SftpMode.PublicApi)]
    public void UploadAndDownloadKeepEveryFileAndHash(string format, string name, SftpMode mode)
    {
        using var sftpMode = SftpModes.Use(mode);
        var made = _ps.Run("$d = New-HydraDump -Connection $src -Path $args[0] -Format $args[1]; $d", Path.Combine(_local, name), format);
        AssertNoErrors(made);

        var up = _ps.Run("$up = $d | Copy-HydraDump -ToSession $s -Destination $args[0]; $up", _remote + "/");
        AssertNoErrors(up);
        var uploaded = up.Output.Single();
        Assert.Equal(_remote + "/" + name, uploaded.Properties["Path"].Value);
        Assert.Same(((PSObject)_ps.Get("s")!).BaseObject, uploaded.Properties["SshSession"].Value);
        AssertSameTree(Path.Combine(_local, name), Path.Combine(_remote, name));
        Assert.True(File.Exists(Path.Combine(_remote, name + ".manifest.json")));
        Assert.Equal(SshServer.UserName, ExternalCommand.Run("stat", new[] { "-c", "%U", Path.Combine(_remote, name) }).Trim());

        var back = Path.Combine(_local, "back");
        Directory.CreateDirectory(back);
        var down = _ps.Run("$up | Copy-HydraDump -Destination $args[0]", back);
        AssertNoErrors(down);
        AssertSameTree(Path.Combine(_local, name), Path.Combine(back, name));
        Assert.Equal(made.Output.Single().Properties["Sha256"].Value, down.Output.Single().Properties["Sha256"].Value);
    }

    [Fact]
    public void ALocalCopyOfADirectoryDumpIsVerifiedAndRestorable()
    {
        var made = _ps.Run("$d = New-HydraDump -Connection $src -Path $args[0] -Format Directory; $d", Path.Combine(_local, "shop.d"));
        AssertNoErrors(made);
        var elsewhere = Path.Combine(_local, "elsewhere");
        Directory.CreateDirectory(elsewhere);

        var copied = _ps.Run("$d | Copy-HydraDump -Destination $args[0] | Get-HydraDumpContent", elsewhere);

        AssertNoErrors(copied);
        Assert.NotEmpty(copied.Output);
        AssertSameTree(Path.Combine(_local, "shop.d"), Path.Combine(elsewhere, "shop.d"));
        Assert.True(File.Exists(Path.Combine(elsewhere, "shop.d.manifest.json")));
    }

    [Theory]
    [MemberData(nameof(SftpModes.Both), MemberType = typeof(SftpModes))]
    public void ATildeMeansTheSshUsersHomeAsWithScp(SftpMode mode)
    {
        using var sftpMode = SftpModes.Use(mode);
        var name = "tilde-" + Guid.NewGuid().ToString("N")[..6] + ".dump";
        AssertNoErrors(_ps.Run("$l = New-HydraDump -Connection $src -Path $args[0]", Path.Combine(_local, name)));
        var home = "/home/" + SshServer.UserName;
        try
        {
            var up = _ps.Run("$l | Copy-HydraDump -ToSession $s -Destination '~/'");
            AssertNoErrors(up);
            Assert.Equal(home + "/" + name, up.Output.Single().Properties["Path"].Value);
            Assert.Equal(DumpFiles.Sha256(Path.Combine(_local, name)), DumpFiles.Sha256(Path.Combine(home, name)));
        }
        finally
        {
            File.Delete(Path.Combine(home, name));
            File.Delete(Path.Combine(home, name + ".manifest.json"));
        }
    }

    [Fact]
    public void AnExistingDestinationNeedsForce()
    {
        AssertNoErrors(_ps.Run("$d = New-HydraDump -Connection $src -SshSession $s -Path $args[0]", _remote + "/x.dump"));
        File.WriteAllText(Path.Combine(_local, "x.dump"), "precious");

        var refused = _ps.Run("$d | Copy-HydraDump -Destination $args[0]", _local);
        Assert.Equal("CopyDestinationExists" + CopyCmd, Assert.Single(refused.Errors).FullyQualifiedErrorId);
        Assert.Equal("precious", File.ReadAllText(Path.Combine(_local, "x.dump")));

        AssertNoErrors(_ps.Run("$d | Copy-HydraDump -Destination $args[0] -Force", _local));
        Assert.Equal(DumpFiles.Sha256(Path.Combine(_remote, "x.dump")), DumpFiles.Sha256(Path.Combine(_local, "x.dump")));
        Assert.DoesNotContain(Directory.GetFiles(_local), f => f.Contains("partial", StringComparison.Ordinal) || f.Contains(".old-", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(SftpModes.Both), MemberType = typeof(SftpModes))]
    public void ACorruptedArchiveIsDetectedAndNothingIsKept(SftpMode mode)
    {
        using var sftpMode = SftpModes.Use(mode);
        AssertNoErrors(_ps.Run("$d = New-HydraDump -Connection $src -SshSession $s -Path $args[0]", _remote + "/bad.dump"));
        FlipByte(Path.Combine(_remote, "bad.dump"), 5000);

        var result = _ps.Run("$d | Copy-HydraDump -Destination $args[0]", _local + "/");
        var error = Assert.Single(result.Errors);
        Assert.Equal("CopyVerificationFailed" + CopyCmd, error.FullyQualifiedErrorId);
        Assert.Empty(result.Output);
        Assert.Equal(new[] { "known_hosts" }, Directory.GetFiles(_local).Select(Path.GetFileName));

        // Uploading a damaged local archive is refused the same way, and leaves nothing on the host.
        AssertNoErrors(_ps.Run("$l = New-HydraDump -Connection $src -Path $args[0]", Path.Combine(_local, "bad-up.dump")));
        FlipByte(Path.Combine(_local, "bad-up.dump"), 7000);
        var up = _ps.Run("$l | Copy-HydraDump -ToSession $s -Destination $args[0]", _remote + "/");
        Assert.Equal("CopyVerificationFailed" + CopyCmd, Assert.Single(up.Errors).FullyQualifiedErrorId);
        Assert.DoesNotContain(Directory.GetFileSystemEntries(_remote), f => f.Contains("bad-up", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(SftpModes.Both), MemberType = typeof(SftpModes))]
    public void ACopyCutOffByTheServerIsCompletedWithResume(SftpMode mode)
    {
        using var sftpMode = SftpModes.Use(mode);
        var source = RandomArchive.Make(_remote, "big.dump", 768);
        var destination = Path.Combine(_local, "big.dump");
        using (var running = _ps.Start("Copy-HydraDump -FromSession $s -Path $args[0] -Destination $args[1]", source, destination))
        {
            Assert.True(running.WaitUntil(() => PartialSize(destination) > 64 << 20, TimeSpan.FromSeconds(60)), "the download never got going");
            _server.KillSessions();
            var failed = running.Wait();
            Assert.NotEmpty(failed.Errors);
            Assert.Empty(failed.Output);
        }

        var partial = PartialSize(destination);
        Assert.InRange(partial, 1, (768L << 20) - 1);
        Assert.False(File.Exists(destination));

        SshLogin.Open(_ps, "s", _server, _local);
        var resumed = _ps.Run("Copy-HydraDump -FromSession $s -Path $args[0] -Destination $args[1] -Resume -Verbose", source, destination);
        AssertNoErrors(resumed);
        Assert.Contains(resumed.Verbose, v => v.StartsWith("Resuming after", StringComparison.Ordinal));
        Assert.Equal(DumpFiles.Sha256(source), DumpFiles.Sha256(destination));
        Assert.Equal(-1, PartialSize(destination));
    }

    [Theory]
    [MemberData(nameof(SftpModes.Both), MemberType = typeof(SftpModes))]
    public void CtrlCStopsAnUploadAndLeavesOnlyTheResumablePartialFile(SftpMode mode)
    {
        using var sftpMode = SftpModes.Use(mode);
        var source = RandomArchive.Make(_local, "upload.dump", 768);
        var target = Path.Combine(_remote, "upload.dump");
        using var running = _ps.Start("Copy-HydraDump -Path $args[0] -ToSession $s -Destination $args[1]", source, _remote + "/");
        Assert.True(running.WaitUntil(() => PartialSize(target) > 64 << 20, TimeSpan.FromSeconds(60)), "the upload never got going");
        var took = running.Stop();
        Assert.True(took < TimeSpan.FromSeconds(10), "stopping took " + took);
        Assert.Equal(new[] { "upload.dump" + ".hydra-partial" }, Directory.GetFileSystemEntries(_remote).Select(Path.GetFileName));

        // The hasher that followed the upload on the host ends with it (its input is closed), and
        // the session stays usable: the stop closed only the hasher's channel, not the connection.
        Assert.True(Poll.Until(() => HashingProcessesOnTheHost() == "", TimeSpan.FromSeconds(10)), "still hashing on the SSH host: " + HashingProcessesOnTheHost());
        var resumed = _ps.Run("Copy-HydraDump -Path $args[0] -ToSession $s -Destination $args[1] -Resume", source, _remote + "/");
        AssertNoErrors(resumed);
        Assert.Equal(DumpFiles.Sha256(source), DumpFiles.Sha256(target));
    }

    // The test user's processes named like the hashing pipeline's parts, as "pid name" lines.
    private static string HashingProcessesOnTheHost() => string.Join("; ",
        ExternalCommand.Run("ps", new[] { "-o", "pid=,comm=", "-u", SshServer.UserName }, check: false).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => line.Trim().Split(' ').Last() is "openssl" or "sha256sum" or "shasum" or "dd"));

    private static long PartialSize(string destination) =>
        File.Exists(destination + ".hydra-partial") ? new FileInfo(destination + ".hydra-partial").Length : -1;

    private static void FlipByte(string path, long offset)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = offset;
        var b = stream.ReadByte();
        stream.Position = offset;
        stream.WriteByte((byte)(b ^ 0xFF));
    }

    private static void AssertSameTree(string expected, string actual)
    {
        if (File.Exists(expected))
        {
            Assert.Equal(DumpFiles.Sha256(expected), DumpFiles.Sha256(actual));
            return;
        }

        var names = Directory.GetFiles(expected, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(expected, f)).Order().ToList();
        Assert.Equal(names, Directory.GetFiles(actual, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(actual, f)).Order().ToList());
        foreach (var name in names)
        {
            Assert.Equal(DumpFiles.Sha256(Path.Combine(expected, name)), DumpFiles.Sha256(Path.Combine(actual, name)));
        }
    }

    private static void AssertNoErrors(PipelineResult result) =>
        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e.Exception.Message)));
}
