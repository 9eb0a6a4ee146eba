using System;
using System.IO;
using System.Linq;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Dump;

/// <summary>What the source server and the user's environment may throw at a dump.</summary>
[Collection(PostgresCollection.Name)]
public sealed class DumpRobustnessTests : IDisposable
{
    private readonly PostgresFixture _pg;
    private readonly PowerShellSession _ps = new();

    public DumpRobustnessTests(PostgresFixture pg) => _pg = pg;

    public void Dispose() => _ps.Dispose();

    [Fact]
    public void ServerTimeoutsDoNotEndTheSnapshotTransaction()
    {
        // Managed servers often set these; the snapshot transaction idles while pg_dump works.
        var db = _pg.NewDatabaseName("timeouts");
        _pg.Source.Execute("postgres", $"CREATE DATABASE {db}");
        _pg.Source.Execute(db, "CREATE TABLE t (id int, pad text); INSERT INTO t SELECT g, repeat('x', 200) FROM generate_series(1, 600000) g;");

        // 20 ms idle in a transaction ends a session at once; 150 ms is less than counting t takes.
        _pg.Source.Execute("postgres", $"ALTER DATABASE {db} SET idle_in_transaction_session_timeout = '20ms'; ALTER DATABASE {db} SET statement_timeout = '150ms'");
        Credentials.Connect(_ps, "src", _pg.Source, db);
        var path = Path.Combine(_pg.NewFolder("timeouts"), "t.dump");

        var result = _ps.Run("New-HydraDump -Connection $src -Path $args[0]", path);
        Assert.Empty(result.Errors);
        Assert.Equal(600000, DumpFiles.RowCount(DumpFiles.Table(DumpFiles.Manifest(path), "public", "t")));
    }

    [Fact]
    public void AGermanEnvironmentStillYieldsProgressAndCounts()
    {
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
        var result = _ps.Run(@"$env:LANGUAGE = 'de'; $env:LC_ALL = 'C.UTF-8'
            try { New-HydraDump -Connection $src -Path $args[0] -Verbose } finally { $env:LANGUAGE = $null; $env:LC_ALL = $null }", Path.Combine(_pg.NewFolder("german"), "de.dump"));
        Assert.Empty(result.Errors);
        Assert.Contains(result.Verbose, v => v.Contains("dumping contents of table \"sales.customers\"", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Verbose, v => v.Contains("Inhalt", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Custom", "r.dump")]
    [InlineData("Plain", "r.sql")]
    public void RegularExpressionPatternsSelectTablesAsPgDumpDoes(string format, string name)
    {
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
        var path = Path.Combine(_pg.NewFolder("regex"), name);
        var result = _ps.Run("New-HydraDump -Connection $src -Path $args[0] -Format $args[1] -Table 'sales.[ce]*'", path, format);
        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        var manifest = DumpFiles.Manifest(path);
        Assert.Equal(new[] { "customers", "events" }, manifest.GetProperty("tables").EnumerateArray().Select(t => t.GetProperty("name").GetString()).Order());
        Assert.Equal("lz4", DumpFiles.Table(manifest, "sales", "events").GetProperty("columnar").GetProperty("compression").GetString());
    }

    [Fact]
    public void AnUnqualifiedPatternSelectsOnlyTablesOnTheSearchPathAsPgDumpDoes()
    {
        // Only a pattern without a schema makes the collector read the tables' visibility: the
        // manifest's own selection (its verbose count) must then be pg_dump's, not one the
        // archive's TOC corrects afterwards. audit is not on the search path, public is.
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
        var path = Path.Combine(_pg.NewFolder("unqualified"), "u.dump");
        var result = _ps.Run("New-HydraDump -Connection $src -Path $args[0] -Table 'measurements_*', 'log' -Verbose", path);
        Assert.Empty(result.Errors);
        var manifest = DumpFiles.Manifest(path);
        Assert.Equal(new[] { "measurements_2025", "measurements_2026" }, manifest.GetProperty("tables").EnumerateArray().Select(t => t.GetProperty("name").GetString()).Order());
        Assert.Contains(result.Verbose, v => v.StartsWith("2 of the database's ", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Verbose, v => v.Contains("left out of the manifest", StringComparison.Ordinal));
    }

    [Fact]
    public void ProgressMovesThroughTheTablesBySize()
    {
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Big);
        var result = _ps.Run("New-HydraDump -Connection $src -Path $args[0] -SkipRowCount", Path.Combine(_pg.NewFolder("progress"), "big.dump"));
        Assert.Empty(result.Errors);
        var percents = result.Progress.Where(p => p.RecordType == System.Management.Automation.ProgressRecordType.Processing).Select(p => p.PercentComplete).ToList();
        Assert.Contains(percents, p => p > 10 && p < 90);
        Assert.Equal(percents.Order(), percents);
        Assert.Contains(result.Progress, p => p.CurrentOperation?.Contains(" of 3 tables", StringComparison.Ordinal) == true);
    }
}
