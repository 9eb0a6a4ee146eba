using System;
using System.Collections;
using System.IO;
using System.Linq;
using HydraMigration.Tests.Harness;
using HydraMigration.Tests.Validation;
using static HydraMigration.Tests.Validation.ValidationAssertions;

namespace HydraMigration.Tests.EndToEnd;

/// <summary>
/// The whole chain as DESIGN.md shows it, against real clusters and the real sshd: pg_dump on the
/// SSH host, the archive brought here verified, restored into a new database, and proven equal —
/// to the manifest the chain carries, and then to the live source. Also the examples/ scripts the
/// README shows, run exactly as a user would run them.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SshPipelineTests : IDisposable
{
    private readonly PostgresFixture _pg;
    private readonly SshServer _server;
    private readonly PowerShellSession _ps = new();
    private readonly string _local;
    private readonly string _remote;

    public SshPipelineTests(PostgresFixture pg, SshFixture ssh)
    {
        _pg = pg;
        _server = ssh.Server;
        _local = pg.NewFolder("e2e");
        _remote = _server.NewRemoteFolder("e2e");
    }

    public void Dispose()
    {
        _ps.Run("Get-HydraSshSession | Remove-HydraSshSession");
        _ps.Dispose();
    }

    [Fact]
    public void DumpOnTheSshHostCopyRestoreAndValidateAllPass()
    {
        var source = MigratedRichDatabase.Of(_pg).Source;
        SshLogin.Open(_ps, "s", _server, _local);
        Credentials.Connect(_ps, "src", _pg.Source, source);
        Credentials.Connect(_ps, "dst", _pg.Target, _pg.NewDatabaseName("e2e_ssh"));
        var downloads = Path.Combine(_local, "dumps");
        Directory.CreateDirectory(downloads);

        var chain = _ps.Run(
            "New-HydraDump -Connection $src -SshSession $s -Path $args[0] | Copy-HydraDump -Destination $args[1] | Restore-HydraDump -Connection $dst -CreateDatabase -Jobs 2 | Test-HydraMigration",
            _remote + "/", downloads + "/");

        Assert.True(chain.Errors.Count == 0, string.Join("\n", chain.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e.Exception.Message)));
        Assert.Empty(Problems(chain));
        Assert.Superset(
            new[] { "Schema", "Table", "RowCount", "View", "Function", "Index", "Constraint", "Sequence", "Trigger", "Extension", "ColumnarOptions", "DatabaseSetting", "Ownership" }.ToHashSet(),
            Categories(chain));
        Assert.Single(Directory.GetFiles(_remote, "*.dump"));
        Assert.Single(Directory.GetFiles(downloads, "*.dump"));

        var live = _ps.Run("Test-HydraMigration -Connection $dst -Source $src");
        Assert.Empty(live.Errors);
        Assert.Empty(Problems(live));
        Assert.Contains(live.Output, o => Describe(o) == "Pass RowCount inventory.stock_moves Count");
    }

    [Fact]
    public void TheSshMigrationExampleRunsAndReportsEveryCheckPassing()
    {
        var source = MigratedRichDatabase.Of(_pg).Source;
        var target = _pg.NewDatabaseName("example_ssh");
        var parameters = new Hashtable
        {
            ["SshHost"] = "127.0.0.1",
            ["SshPort"] = _server.Port,
            ["SshUser"] = SshServer.UserName,
            ["SshKeyFile"] = _server.KeyFile,
            ["KnownHostsPath"] = SshLogin.KnownHosts(_server, _local),
            ["SourceHost"] = "127.0.0.1",
            ["SourcePort"] = _pg.Source.Port,
            ["SourceDatabase"] = source,
            ["SourceCredential"] = Credentials.Of(PostgresCluster.SuperUser, _pg.Source.SuperPassword),
            ["TargetHost"] = "127.0.0.1",
            ["TargetPort"] = _pg.Target.Port,
            ["TargetDatabase"] = target,
            ["TargetCredential"] = Credentials.Of(PostgresCluster.SuperUser, _pg.Target.SuperPassword),
            ["RemoteFolder"] = _remote,
            ["LocalFolder"] = Path.Combine(_local, "dumps"),
            ["Jobs"] = 2,
        };

        var result = RunExample("Invoke-SshMigration.ps1", parameters);

        Assert.Equal(0, ExitCode());
        Assert.NotEmpty(result.Output);
        Assert.Empty(Problems(result));
        Assert.Equal(RichDatabase.StockMoves, _pg.Target.Count(target, "SELECT count(*) FROM inventory.stock_moves"));
        Assert.Empty(_ps.Run("Get-HydraSshSession").Output); // the script closed its session
    }

    [Fact]
    public void TheDirectMigrationExampleRunsAndReportsEveryCheckPassing()
    {
        var target = _pg.NewDatabaseName("example_direct");
        var parameters = new Hashtable
        {
            ["SourceHost"] = "127.0.0.1",
            ["SourcePort"] = _pg.Source.Port,
            ["SourceDatabase"] = _pg.Sample,
            ["SourceCredential"] = Credentials.Of(PostgresCluster.SuperUser, _pg.Source.SuperPassword),
            ["TargetHost"] = "127.0.0.1",
            ["TargetPort"] = _pg.Target.Port,
            ["TargetDatabase"] = target,
            ["TargetCredential"] = Credentials.Of(PostgresCluster.SuperUser, _pg.Target.SuperPassword),
            ["DumpFolder"] = Path.Combine(_local, "direct"),
            ["Jobs"] = 2,
        };

        var result = RunExample("Invoke-DirectMigration.ps1", parameters);

        Assert.Equal(0, ExitCode());
        Assert.Empty(Problems(result));
        Assert.Contains(result.Output, o => Describe(o) == "Pass ColumnarOptions sales.events Options");
        Assert.Equal(SampleDatabase.OrderLines, _pg.Target.Count(target, "SELECT count(*) FROM sales.\"order lines\""));

        // The migration it proved is really checked: one lost row, and the same check says so.
        _pg.Target.Execute(target, "DELETE FROM sales.\"order lines\" WHERE ctid IN (SELECT ctid FROM sales.\"order lines\" LIMIT 1)");
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
        Credentials.Connect(_ps, "dst", _pg.Target, target);
        Assert.False((bool)_ps.Run("Test-HydraMigration -Connection $dst -Source $src -Quiet").Output.Single().BaseObject);
    }

    private PipelineResult RunExample(string script, Hashtable parameters)
    {
        var result = _ps.Run("$p = $args[1]; & $args[0] @p", Path.Combine(Repository.Root, "examples", script), parameters);
        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e.Exception.Message)));
        return result;
    }

    private int ExitCode() => (int)_ps.Run("$LASTEXITCODE").Output.Single().BaseObject;
}
