using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using HydraMigration.Tests.Dump;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Ssh;

/// <summary>
/// Copy-HydraDump when things go wrong: a folder it may not write, a full disk, an SSH link
/// that drops during the upload, the download or the remote hash. Each fault is an error with
/// a stable id that names the file and the host, and leaves only resumable data behind.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CopyFaultTests : IDisposable
{
    private const string CopyCmd = ",HydraMigration.Commands.CopyHydraDumpCommand";
    private readonly SshServer _server;
    private readonly PowerShellSession _ps = new();
    private readonly string _local;
    private readonly string _remote;

    public CopyFaultTests(PostgresFixture pg, SshFixture ssh)
    {
        _server = ssh.Server;
        _local = pg.NewFolder("copy-fault");
        _remote = _server.NewRemoteFolder("copy-fault");
        LogIn();
    }

    private string Host => SshServer.UserName + "@127.0.0.1:" + SshLogin.Port(_server);

    public void Dispose()
    {
        _ps.Run("Get-HydraSshSession | Remove-HydraSshSession");
        _ps.Dispose();
    }

    [Theory]
    [MemberData(nameof(SftpModes.Both), MemberType = typeof(SftpModes))]
    public void AnUploadIntoAFolderTheSshUserMayNotWriteIsPermissionDeniedNamingTheFileAndTheHost(SftpMode mode)
    {
        using var sftpMode = SftpModes.Use(mode);
        var source = RandomArchive.Make(_local, "small.dump", 1);
        var readOnly = Path.Combine(_server.Folder, "root-owned-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(readOnly); // root's, mode 755: the SSH user may only read it
        var result = _ps.Run("Copy-HydraDump -Path $args[0] -ToSession $s -Destination $args[1]", source, readOnly + "/");

        var error = Assert.Single(result.Errors);
        Assert.Equal("TransferFailed" + CopyCmd, error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
        Assert.Contains(readOnly + "/small.dump", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains(Host, error.Exception.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(readOnly));
    }

    [Theory]
    [MemberData(nameof(SftpModes.Both), MemberType = typeof(SftpModes))]
    public void ASmallDownloadOntoAFullDiskIsAWriteErrorAndResumesOnceThereIsSpace(SftpMode mode)
    {
        using var sftpMode = SftpModes.Use(mode);
        Assert.True(ExternalCommand.IsRoot, "this test mounts a small tmpfs and needs root (CI runs as root)");
        var source = RandomArchive.Make(_remote, "small.dump", 2);
        var mount = Path.Combine(_local, "tiny");
        Directory.CreateDirectory(mount);
        ExternalCommand.Run("mount", new[] { "-t", "tmpfs", "-o", "size=512k", "tmpfs", mount });
        try
        {
            var destination = Path.Combine(mount, "small.dump");
            var full = _ps.Run("Copy-HydraDump -FromSession $s -Path $args[0] -Destination $args[1]", source, mount + "/");
            var error = Assert.Single(full.Errors);
            Assert.Equal("TransferFailed" + CopyCmd, error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.WriteError, error.CategoryInfo.Category);
            Assert.Contains(destination + ".hydra-partial", error.Exception.Message, StringComparison.Ordinal);
            Assert.Contains("this computer", error.Exception.Message, StringComparison.Ordinal);
            Assert.Contains("-Resume", error.Exception.Message, StringComparison.Ordinal);

            // Only the resumable partial copy is left, holding what fitted.
            Assert.Equal(new[] { "small.dump.hydra-partial" }, Directory.GetFileSystemEntries(mount).Select(Path.GetFileName));
            var kept = new FileInfo(destination + ".hydra-partial").Length;
            Assert.InRange(kept, 64 * 1024, 512 * 1024);

            ExternalCommand.Run("mount", new[] { "-o", "remount,size=8m", mount });
            var resumed = _ps.Run("Copy-HydraDump -FromSession $s -Path $args[0] -Destination $args[1] -Resume -Verbose", source, mount + "/");
            Assert.True(resumed.Errors.Count == 0, string.Join("\n", resumed.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e.Exception.Message)));
            Assert.Contains(resumed.Verbose, v => v.StartsWith("Resuming after", StringComparison.Ordinal));
            Assert.Equal(DumpFiles.Sha256(source), DumpFiles.Sha256(destination));
            Assert.Equal(new[] { "small.dump", "small.dump.manifest.json" }, Directory.GetFileSystemEntries(mount).Select(Path.GetFileName).Order());
        }
        finally
        {
            ExternalCommand.Run("umount", new[] { mount }, check: false);
        }
    }

    [Theory]
    [MemberData(nameof(SftpModes.Both), MemberType = typeof(SftpModes))]
    public void AnUploadCutOffByADroppedLinkKeepsOnlyTheResumablePartialAndResumes(SftpMode mode)
    {
        using var sftpMode = SftpModes.Use(mode);
        var source = RandomArchive.Make(_local, "up.dump", 384);
        var partial = Path.Combine(_remote, "up.dump.hydra-partial");
        using (var running = _ps.Start("Copy-HydraDump -Path $args[0] -ToSession $s -Destination $args[1]", source, _remote + "/"))
        {
            Assert.True(running.WaitUntil(() => Size(partial) > 32 << 20, TimeSpan.FromSeconds(60)), "the upload never got going");
            _server.KillSessions();
            var failed = running.Wait();
            Assert.Equal("SshConnectionLost" + CopyCmd, Assert.Single(failed.Errors).FullyQualifiedErrorId);
            Assert.Contains(Host, failed.Errors[0].Exception.Message, StringComparison.Ordinal);
        }

        Assert.Equal(new[] { "up.dump.hydra-partial" }, Directory.GetFileSystemEntries(_remote).Select(Path.GetFileName));
        AssertNoPasswordInAnyFile();

        LogIn();
        var resumed = _ps.Run("Copy-HydraDump -Path $args[0] -ToSession $s -Destination $args[1] -Resume -Verbose", source, _remote + "/");
        Assert.True(resumed.Errors.Count == 0, string.Join("\n", resumed.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e.Exception.Message)));
        Assert.Contains(resumed.Verbose, v => v.StartsWith("Resuming after", StringComparison.Ordinal));
        Assert.Equal(DumpFiles.Sha256(source), DumpFiles.Sha256(Path.Combine(_remote, "up.dump")));
    }

    [Theory]
    [MemberData(nameof(SftpModes.Both), MemberType = typeof(SftpModes))]
    public void ADownloadCutOffByADroppedLinkKeepsOnlyTheResumablePartial(SftpMode mode)
    {
        using var sftpMode = SftpModes.Use(mode);
        var source = RandomArchive.Make(_remote, "down.dump", 384);
        var partial = Path.Combine(_local, "down.dump.hydra-partial");
        using (var running = _ps.Start("Copy-HydraDump -FromSession $s -Path $args[0] -Destination $args[1]", source, _local + "/"))
        {
            Assert.True(running.WaitUntil(() => Size(partial) > 32 << 20, TimeSpan.FromSeconds(60)), "the download never got going");
            _server.KillSessions();
            var failed = running.Wait();
            Assert.Equal("SshConnectionLost" + CopyCmd, Assert.Single(failed.Errors).FullyQualifiedErrorId);
        }

        // The partial copy is a prefix of the source: exactly what a resume continues from.
        var kept = Size(partial);
        Assert.InRange(kept, 32 << 20, (384L << 20) - 1);
        Assert.Equal(Prefix(source, kept), DumpFiles.Sha256(partial));
        Assert.Equal(new[] { "down.dump.hydra-partial", "known_hosts" }, Directory.GetFiles(_local).Select(Path.GetFileName).Order());
        AssertNoPasswordInAnyFile();
    }

    [Theory]
    [MemberData(nameof(SftpModes.Both), MemberType = typeof(SftpModes))]
    public void ALinkDroppedWhileTheSshHostHashesIsAConnectionErrorAndKeepsThePartial(SftpMode mode)
    {
        using var sftpMode = SftpModes.Use(mode);
        // A resumed download first hashes the part already here on the SSH host: drop the link then.
        var source = RandomArchive.Make(_remote, "hashed.dump", 512);
        var partial = Path.Combine(_local, "hashed.dump.hydra-partial");
        ExternalCommand.Run("sh", new[] { "-c", $"head -c {480 << 20} '{source}' > '{partial}'" });
        var before = DumpFiles.Sha256(partial);
        var freezer = FreezeRemoteHash();
        try
        {
            using var running = _ps.Start("Copy-HydraDump -FromSession $s -Path $args[0] -Destination $args[1] -Resume", source, _local + "/");
            Assert.True(freezer.WaitForExit(60_000) && freezer.ExitCode == 0, "the remote hash was never seen running");
            _server.KillSessions();
            var failed = running.Wait();
            var error = Assert.Single(failed.Errors);
            Assert.True("SshConnectionLost" + CopyCmd == error.FullyQualifiedErrorId, error.FullyQualifiedErrorId + ": " + error.Exception);
            Assert.Contains(Host, error.Exception.Message, StringComparison.Ordinal);
        }
        finally
        {
            // Never left looking: it would stop the next test's hash.
            if (!freezer.HasExited)
            {
                freezer.Kill(entireProcessTree: true);
            }

            freezer.Dispose();
        }

        Assert.Equal(before, DumpFiles.Sha256(partial));
        Assert.Equal(new[] { "hashed.dump", "hashed.dump.manifest.json" }, Directory.GetFiles(_remote).Select(Path.GetFileName).Order());
        AssertNoPasswordInAnyFile();
    }

    /// <summary>Logs in as $s with the SSH user's password, so a leak of it would show in the files.</summary>
    private void LogIn()
    {
        _ps.Set("sshCred", Credentials.Of(SshServer.UserName, _server.Password));
        var login = _ps.Run("$s = New-HydraSshSession -HostName 127.0.0.1 -Port $args[0] -Credential $sshCred -KnownHostsPath $args[1]", _server.Port, SshLogin.KnownHosts(_server, _local));
        Assert.Empty(login.Errors);
    }

    private void AssertNoPasswordInAnyFile()
    {
        foreach (var file in DumpFiles.Everything(_local).Concat(DumpFiles.Everything(_remote)).Where(File.Exists))
        {
            using var reader = new StreamReader(file);
            var buffer = new char[1 << 20];
            var text = new string(buffer, 0, reader.Read(buffer, 0, buffer.Length)); // the leftovers' heads: manifests, known_hosts, data
            Assert.False(text.Contains(_server.Password, StringComparison.Ordinal), file + " holds the SSH password");
        }
    }

    /// <summary>
    /// Stops the hashing process on the SSH host as soon as it starts (SIGSTOP, found by its
    /// name and stopped in one pkill, tried every few milliseconds in a shell loop): it cannot
    /// finish before the link is cut, however fast the host hashes. KillSessions ends it with the
    /// rest. The process exits 0 once it has stopped one.
    /// </summary>
    private static Process FreezeRemoteHash() => Process.Start(new ProcessStartInfo("timeout", new[]
    {
        "60", "sh", "-c", "until pkill -STOP -u " + SshServer.UserName + " -x 'openssl|sha256sum|shasum'; do sleep 0.003; done",
    }))!;

    private static string Prefix(string path, long length) =>
        ExternalCommand.Run("sh", new[] { "-c", $"head -c {length} '{path}' | sha256sum" }).Split(' ')[0];

    private static long Size(string path) => File.Exists(path) ? new FileInfo(path).Length : -1;
}
