using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using HydraMigration.Tests.Dump;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Ssh;

/// <summary>New-HydraDump -SshSession: pg_dump runs on the SSH host and the archive stays there.</summary>
[Collection(PostgresCollection.Name)]
public sealed class RemoteDumpTests : IDisposable
{
    private const string DumpCmd = ",HydraMigration.Commands.NewHydraDumpCommand";
    private readonly PostgresFixture _pg;
    private readonly SshServer _server;
    private readonly PowerShellSession _ps = new();
    private readonly string _local;
    private readonly string _remote;

    public RemoteDumpTests(PostgresFixture pg, SshFixture ssh)
    {
        _pg = pg;
        _server = ssh.Server;
        _local = pg.NewFolder("remote-dump");
        _remote = _server.NewRemoteFolder("dump");
        SshLogin.Open(_ps, "s", _server, _local);
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
    }

    public void Dispose()
    {
        _ps.Run("Get-HydraSshSession | Remove-HydraSshSession");
        _ps.Dispose();
    }

    [Theory]
    [InlineData("Custom")]
    [InlineData("Directory")]
    public void PgDumpRunsOnTheSshHostAndTheArchiveAndManifestStayThere(string format)
    {
        var result = _ps.Run("New-HydraDump -Connection $src -SshSession $s -Path $args[0] -Format $args[1]", _remote + "/", format);

        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e.Exception.Message)));
        var dump = result.Output.Single();
        var path = (string)dump.Properties["Path"].Value;
        Assert.StartsWith(_remote + "/", path, StringComparison.Ordinal);
        Assert.Same(_ps.Get("s") is System.Management.Automation.PSObject o ? o.BaseObject : _ps.Get("s"), dump.Properties["SshSession"].Value);
        Assert.Equal(SshServer.UserName + "@127.0.0.1:" + SshLogin.Port(_server), dump.Properties["Location"].Value);

        // Written by the SSH user, next to its manifest, with nothing temporary left over.
        Assert.Equal(SshServer.UserName, ExternalCommand.Run("stat", new[] { "-c", "%U", path }).Trim());
        Assert.Equal(new[] { Path.GetFileName(path), Path.GetFileName(path) + ".manifest.json" }, Directory.GetFileSystemEntries(_remote).Select(Path.GetFileName).Order());
        var manifest = DumpFiles.Manifest(path);
        var expectedHash = format == "Custom" ? DumpFiles.Sha256(path) : manifest.GetProperty("archive").GetProperty("sha256").GetString();
        Assert.Equal(expectedHash, dump.Properties["Sha256"].Value);
        if (format == "Directory")
        {
            foreach (var file in manifest.GetProperty("archive").GetProperty("files").EnumerateArray())
            {
                Assert.Equal(DumpFiles.Sha256(Path.Combine(path, file.GetProperty("name").GetString()!)), file.GetProperty("sha256").GetString());
            }
        }

        // The manifest's row counts came through the forward, in pg_dump's snapshot.
        Assert.Equal(SampleDatabase.OrderLines, DumpFiles.RowCount(DumpFiles.Table(manifest, "sales", "order lines")));
        Assert.Equal("columnar", DumpFiles.Table(manifest, "sales", "events").GetProperty("accessMethod").GetString());

        // The password travelled on standard input only, into a private folder removed afterwards.
        Assert.DoesNotContain(_pg.Source.SuperPassword, _server.Log, StringComparison.Ordinal);
        Assert.DoesNotContain(Directory.GetDirectories("/tmp", "hydra-*"), d => ExternalCommand.Run("stat", new[] { "-c", "%U", d }).Trim() == SshServer.UserName);
    }

    [Fact]
    public void ARemoteDumpIsNotRestoredUntilCopied()
    {
        var dumped = _ps.Run("$d = New-HydraDump -Connection $src -SshSession $s -Path $args[0]; $d", _remote + "/shop.dump");
        Assert.Empty(dumped.Errors);
        Credentials.Connect(_ps, "dst", _pg.Target, _pg.NewDatabaseName("never"));
        var result = _ps.Run("$d | Restore-HydraDump -Connection $dst -CreateDatabase");
        var error = Assert.Single(result.Errors);
        Assert.Equal("DumpIsRemote,HydraMigration.Commands.RestoreHydraDumpCommand", error.FullyQualifiedErrorId);
        Assert.Contains("Copy-HydraDump", error.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASocketFolderAsTheSourceIsRefusedWithTheReason()
    {
        var result = _ps.Run("$sock = New-HydraConnection -HostName /var/run/postgresql -Database x -UserName u; New-HydraDump -Connection $sock -SshSession $s -Path $args[0]", _remote + "/x.dump");
        var error = Assert.Single(result.Errors);
        Assert.Equal("SshSourceNeedsTcp" + DumpCmd, error.FullyQualifiedErrorId);
        Assert.Empty(Directory.GetFileSystemEntries(_remote));
    }

    [Fact]
    public void AMissingPgDumpOnTheSshHostIsAClearError()
    {
        var result = _ps.Run("New-HydraDump -Connection $src -SshSession $s -Path $args[0] -PgBinPath /nowhere/bin", _remote + "/x.dump");
        var error = Assert.Single(result.Errors);
        Assert.Equal("PgToolNotFound" + DumpCmd, error.FullyQualifiedErrorId);
        Assert.Contains("on the SSH host " + SshServer.UserName + "@127.0.0.1", error.Exception.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_remote));
    }

    [Fact]
    public void CtrlCStopsPgDumpOnTheSshHostAndLeavesNothing()
    {
        using var running = _ps.Start("New-HydraDump -Connection $args[0] -SshSession $s -Path $args[1]", ConnectionTo(_pg.Big), _remote + "/big.dump");
        Assert.True(running.WaitUntil(() => Directory.GetFiles(_remote).Any(f => new FileInfo(f).Length > 1_000_000), TimeSpan.FromSeconds(120)), "pg_dump never started writing: " + (running.IsCompleted ? string.Join("\n", running.Wait().Errors) + "\n" + _server.Log[^3000..] : "still running"));
        Assert.True(PgDumpProcesses() > 0);
        var stopped = running.Stop();
        Assert.True(stopped < TimeSpan.FromSeconds(10), "stopping took " + stopped);
        Assert.True(Poll.Until(() => PgDumpProcesses() == 0), "pg_dump still runs on the SSH host");
        Assert.Empty(Directory.GetFileSystemEntries(_remote));
    }

    private object ConnectionTo(string database)
    {
        Credentials.Connect(_ps, "big", _pg.Source, database);
        return _ps.Get("big")!;
    }

    private static int PgDumpProcesses() =>
        ExternalCommand.Run("pgrep", new[] { "-c", "-u", SshServer.UserName, "pg_dump" }, check: false).Trim() is var text && int.TryParse(text, out var count) ? count : 0;
}
