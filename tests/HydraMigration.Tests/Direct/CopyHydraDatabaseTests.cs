using System;
using System.IO;
using System.Linq;
using System.Threading;
using HydraMigration.Tests.Harness;
using Xunit.Abstractions;
using static HydraMigration.Tests.Validation.ValidationAssertions;

namespace HydraMigration.Tests.Direct;

/// <summary>
/// Copy-HydraDatabase through the real engine against the throwaway clusters: the rich database
/// copied and proven, a source written to during the copy, a filter, Ctrl+C and a killed target
/// backend in the data phase, and tables binary COPY cannot carry.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CopyHydraDatabaseTests : IDisposable
{
    private const string CopyCmd = "HydraMigration.Commands.CopyHydraDatabaseCommand";
    private readonly PostgresFixture _pg;
    private readonly PowerShellSession _ps = new();
    private readonly ITestOutputHelper _output;

    public CopyHydraDatabaseTests(PostgresFixture pg, ITestOutputHelper output)
    {
        _pg = pg;
        _output = output;
        var version = pg.Source.Psql("postgres", "SELECT default_version FROM pg_available_extensions WHERE name = 'columnar'");
        output.WriteLine("Columnar: " + (pg.UsesColumnarStandIn ? "the test stand-in (not Hydra)" : "Hydra columnar") + ", version " + version);
    }

    public void Dispose() => _ps.Dispose();

    [Fact]
    public void TheRichDatabaseIsCopiedAndEveryCheckPassesAgainstTheSnapshotAndTheLiveSource()
    {
        var source = DirectSources.Rich(_pg);
        var target = _pg.NewDatabaseName("direct");
        var manifest = Path.Combine(_pg.NewFolder("direct"), "copy.manifest.json");
        Credentials.Connect(_ps, "src", _pg.Source, source);
        Credentials.Connect(_ps, "dst", _pg.Target, target);

        var copy = _ps.Run("Copy-HydraDatabase -Source $src -Destination $dst -CreateDatabase -Jobs 2 -ManifestPath $args[0] -Verbose | Test-HydraMigration", manifest);
        Assert.Empty(copy.Errors);
        Assert.Empty(Problems(copy));
        Assert.Superset(
            new[] { "Schema", "Table", "RowCount", "View", "Function", "Index", "Constraint", "Sequence", "Trigger", "Extension", "ColumnarOptions", "DatabaseSetting", "Ownership" }.ToHashSet(),
            Categories(copy));
        Assert.Contains(copy.Output, o => Describe(o) == "Pass View reporting.daily_orders Populated");
        Assert.Contains(copy.Output, o => Describe(o) == "Pass RowCount inventory.stock_moves Count");
        Assert.Contains(copy.Output, o => Describe(o) == "Pass ColumnarOptions reporting.archive_2024 Options" || Describe(o).StartsWith("Pass ColumnarOptions reporting.archive_2024", StringComparison.Ordinal));
        Assert.Contains(copy.Verbose, v => v.StartsWith("Phase data", StringComparison.Ordinal));
        foreach (var phase in copy.Verbose.Where(v => v.StartsWith("Phase ", StringComparison.Ordinal) || v.StartsWith("Copy plan after", StringComparison.Ordinal) || v.StartsWith("Schema dumped", StringComparison.Ordinal)))
        {
            _output.WriteLine(phase.Length > 300 ? phase[..300] + "..." : phase);
        }

        Assert.NotEmpty(copy.Progress);

        // The type binary COPY cannot carry went as text, said so, and arrived intact; the enum array went in binary.
        Assert.Contains(copy.Warnings, w => w.Contains("inventory.notes is copied as text", StringComparison.Ordinal) && w.Contains("no binary send/receive", StringComparison.Ordinal));
        Assert.DoesNotContain(copy.Warnings, w => w.Contains("inventory.tagged", StringComparison.Ordinal)); // an array of a user enum goes in binary
        Assert.Contains(copy.Verbose, v => v.Contains("copied inventory.tagged", StringComparison.Ordinal) && v.Contains("binary COPY", StringComparison.Ordinal));
        Assert.Contains(copy.Verbose, v => v.Contains("copied inventory.notes", StringComparison.Ordinal) && v.Contains("text COPY", StringComparison.Ordinal));
        Assert.Contains(copy.Verbose, v => v.Contains("copied inventory.stock_moves", StringComparison.Ordinal) && v.Contains("binary COPY", StringComparison.Ordinal));
        foreach (var query in new[] { "SELECT string_agg(id || ':' || body::text, ',' ORDER BY id) FROM inventory.notes", "SELECT string_agg(id || ':' || moods::text, ',' ORDER BY id) FROM inventory.tagged" })
        {
            Assert.Equal(_pg.Source.Psql(source, query), _pg.Target.Psql(target, query));
        }

        // Options set before the rows, on the table and on the columnar partition.
        const string options = "SELECT chunk_group_row_limit || '/' || stripe_row_limit || '/' || compression || '/' || compression_level FROM columnar.options WHERE regclass = '{0}'::regclass";
        Assert.Equal("2000/20000/lz4/7", _pg.Target.Psql(target, string.Format(options, "inventory.events")));
        Assert.Equal("1000/10000/zstd/5", _pg.Target.Psql(target, string.Format(options, "reporting.archive_2024")));
        Assert.Equal("columnar", _pg.Target.Psql(target, "SELECT amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE c.oid = 'reporting.archive_2024'::regclass"));
        Assert.Equal(_pg.Source.Psql(source, "SELECT nextval('inventory.invoice_no')"), _pg.Target.Psql(target, "SELECT nextval('inventory.invoice_no')"));
        _pg.Source.Execute(source, "SELECT setval('inventory.invoice_no', 1005)");
        _pg.Target.Execute(target, "SELECT setval('inventory.invoice_no', 1005)");
        Assert.Equal("0", _pg.Target.Psql("postgres", $"SELECT count(*) FROM pg_database WHERE datname = '{target}' AND shobj_description(oid, 'pg_database') IS NOT NULL AND shobj_description(oid, 'pg_database') LIKE 'HydraMigration%'"));

        var live = _ps.Run("Test-HydraMigration -Connection $dst -Source $src");
        Assert.Empty(live.Errors);
        Assert.Empty(Problems(live));
        var fromFile = _ps.Run("Test-HydraMigration -Connection $dst -Manifest $args[0]", manifest);
        Assert.Empty(fromFile.Errors);
        Assert.Empty(Problems(fromFile));
        Assert.Contains(fromFile.Output, o => Describe(o) == "Pass RowCount inventory.stock_moves Count");
    }

    [Fact]
    public void ASourceWrittenToDuringTheCopyStillValidatesAgainstTheSnapshot()
    {
        var source = RichDatabase.Create(_pg.Source, _pg.NewDatabaseName("direct_busy"), stockMoves: 20_000);
        var target = _pg.NewDatabaseName("direct_busy_copy");
        Credentials.Connect(_ps, "src", _pg.Source, source);
        Credentials.Connect(_ps, "dst", _pg.Target, target);

        using var stop = new CancellationTokenSource();
        var writes = 0;
        var writer = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                _pg.Source.Execute(source, "INSERT INTO inventory.orders (product_id, placed, note) SELECT 1 + g % 100, DATE '2025-06-01', 'während' FROM generate_series(1, 200) g; INSERT INTO inventory.stock_moves SELECT 10000000 + (random() * 1e9)::bigint, 1, 1 ON CONFLICT DO NOTHING;");
                Interlocked.Increment(ref writes);
            }
        }) { IsBackground = true };
        writer.Start();
        try
        {
            Poll.Until(() => Volatile.Read(ref writes) > 0, TimeSpan.FromSeconds(30));
            var copy = _ps.Run("Copy-HydraDatabase -Source $src -Destination $dst -CreateDatabase -Jobs 2 | Test-HydraMigration");
            var during = Volatile.Read(ref writes);
            Assert.Empty(copy.Errors);
            Assert.Empty(Problems(copy));
            Assert.Contains(copy.Output, o => Describe(o) == "Pass RowCount inventory.orders Count");
            Thread.Sleep(300);
            Assert.True(Volatile.Read(ref writes) > during || during > 1, "the writer did not write during the copy");
        }
        finally
        {
            stop.Cancel();
            writer.Join(TimeSpan.FromSeconds(30));
        }

        // The source moved on; the target holds the snapshot.
        Assert.True(_pg.Source.Count(source, "SELECT count(*) FROM inventory.orders") > _pg.Target.Count(target, "SELECT count(*) FROM inventory.orders"));
    }

    [Fact]
    public void ATableFilterCopiesOnlyThatTable()
    {
        var source = DirectSources.Rich(_pg);
        var target = _pg.NewDatabaseName("direct_filter");
        Credentials.Connect(_ps, "src", _pg.Source, source);
        Credentials.Connect(_ps, "dst", _pg.Target, target);

        // pg_dump -t carries neither the tables' schemas nor the types they use: these two need none but their schemas, which the copy creates.
        var copy = _ps.Run("Copy-HydraDatabase -Source $src -Destination $dst -CreateDatabase -Table inventory.stock_moves, 'reporting.readings*' -NoOwner | Test-HydraMigration");
        Assert.Empty(copy.Errors);
        Assert.Empty(Problems(copy));
        Assert.Contains(copy.Output, o => Describe(o) == "Pass RowCount inventory.stock_moves Count");
        Assert.Contains(copy.Output, o => Describe(o) == "Pass RowCount reporting.readings_2025 Count");
        Assert.DoesNotContain(copy.Output, o => Describe(o).Contains("orders", StringComparison.Ordinal));
        Assert.Equal("inventory.stock_moves,reporting.readings,reporting.readings_2025,reporting.readings_2026", _pg.Target.Psql(target, "SELECT string_agg(schemaname || '.' || tablename, ',' ORDER BY 1) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"));
        Assert.Equal(_pg.Source.Psql(source, "SELECT count(*) || '/' || sum(delta) FROM inventory.stock_moves"), _pg.Target.Psql(target, "SELECT count(*) || '/' || sum(delta) FROM inventory.stock_moves"));
    }

    [Fact]
    public void WhatIfPrintsThePlanAndWritesNothing()
    {
        var source = DirectSources.Rich(_pg);
        var target = _pg.NewDatabaseName("direct_whatif");
        Credentials.Connect(_ps, "src", _pg.Source, source);
        Credentials.Connect(_ps, "dst", _pg.Target, target);

        var plan = _ps.Run("Copy-HydraDatabase -Source $src -Destination $dst -CreateDatabase -Jobs 2 -WhatIf");
        Assert.Empty(plan.Errors);
        Assert.Empty(plan.Output);
        Assert.Matches(@"COPY \d+ table\(s\), .* with 2 worker\(s\), biggest first: inventory\.stock_moves: ", _ps.Host.Text);
        Assert.Contains("set columnar options on 2 table(s)", _ps.Host.Text, StringComparison.Ordinal);
        Assert.Equal("0", _pg.Target.Psql("postgres", $"SELECT count(*) FROM pg_database WHERE datname = '{target}'"));
    }

    [Fact]
    public void CtrlCInTheDataPhaseStopsBothServersSessionsAndDropsTheTarget()
    {
        var source = DirectSources.Gated(_pg);
        var target = _pg.NewDatabaseName("direct_ctrlc");
        Credentials.Connect(_ps, "src", _pg.Source, source);
        Credentials.Connect(_ps, "dst", _pg.Target, target);

        using var running = _ps.Start("Copy-HydraDatabase -Source $src -Destination $dst -CreateDatabase -Jobs 2");
        Assert.True(running.WaitUntil(() => CopyBackend(target) is not null, TimeSpan.FromSeconds(60)), "the data phase never started");
        var took = running.Stop();
        running.Wait();
        Assert.True(running.WasStopped);
        Assert.True(took < TimeSpan.FromSeconds(15), "stopping took " + took);
        Assert.Equal("0", _pg.Target.Psql("postgres", $"SELECT count(*) FROM pg_database WHERE datname = '{target}'"));
        Assert.True(Poll.Until(() => _pg.Source.Count("postgres", $"SELECT count(*) FROM pg_stat_activity WHERE datname = '{source}' AND pid <> pg_backend_pid()") == 0, TimeSpan.FromSeconds(10)), "sessions on the source were left open");
    }

    [Fact]
    public void AKilledTargetBackendMidCopyIsAClearErrorNamingTheTableAndTheTargetIsDropped()
    {
        var source = DirectSources.Gated(_pg);
        var target = _pg.NewDatabaseName("direct_killed");
        Credentials.Connect(_ps, "src", _pg.Source, source);
        Credentials.Connect(_ps, "dst", _pg.Target, target);

        using var running = _ps.Start("Copy-HydraDatabase -Source $src -Destination $dst -CreateDatabase");
        string? pid = null;
        Assert.True(running.WaitUntil(() => (pid = CopyBackend(target)) is not null, TimeSpan.FromSeconds(60)), "the data phase never started");
        _pg.Target.Execute("postgres", $"SELECT pg_terminate_backend({pid})");
        var result = running.Wait();

        var error = Assert.Single(result.Errors);
        Assert.Equal("TableCopyConnectionLost," + CopyCmd, error.FullyQualifiedErrorId);
        Assert.Contains("public.gated", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("terminat", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("Dropped what it had created", error.Exception.Message, StringComparison.Ordinal);
        Assert.Empty(result.Output);
        Assert.Equal("0", _pg.Target.Psql("postgres", $"SELECT count(*) FROM pg_database WHERE datname = '{target}'"));
    }

    /// <summary>The pid of the backend running a COPY into <paramref name="database"/> on the target, or null.</summary>
    private string? CopyBackend(string database)
    {
        var pid = _pg.Target.Psql("postgres", $"SELECT pid FROM pg_stat_activity WHERE datname = '{database}' AND query ILIKE 'COPY %gated%FROM STDIN%' LIMIT 1");
        return pid.Length == 0 ? null : pid;
    }
}
