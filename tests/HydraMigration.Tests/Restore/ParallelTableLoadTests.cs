using System;
using System.IO;
using System.Linq;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Restore;

/// <summary>
/// Restore-HydraDump -Jobs loads a large heap table over several connections at once
/// (Restore/ParallelTableLoad). The size that makes a table "large" is lowered here through
/// HYDRA_PARALLEL_LOAD_MIN_BYTES, so that small test tables are split; the test collection runs
/// one test at a time, so no other test sees it.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ParallelTableLoadTests : IDisposable
{
    private const string Variable = "HYDRA_PARALLEL_LOAD_MIN_BYTES";
    private const int Rows = 60_000;
    private readonly PostgresFixture _pg;
    private readonly PowerShellSession _ps = new();
    private readonly string? _before = Environment.GetEnvironmentVariable(Variable);

    public ParallelTableLoadTests(PostgresFixture pg)
    {
        _pg = pg;
        Environment.SetEnvironmentVariable(Variable, "1");
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(Variable, _before);
        _ps.Dispose();
    }

    [Fact]
    public void ASplitTableArrivesRowForRowWithItsIndexes()
    {
        var source = AwkwardRows();
        Credentials.Connect(_ps, "src", _pg.Source, source);
        var target = _pg.NewDatabaseName("split");
        Credentials.Connect(_ps, "dst", _pg.Target, target);

        var result = _ps.Run("New-HydraDump -Connection $src -Path $args[0] | Restore-HydraDump -Connection $dst -CreateDatabase -Jobs 2 -Verbose | Test-HydraMigration", Path.Combine(_pg.NewFolder("split"), "awkward.dump"));

        Assert.Empty(result.Errors);
        Assert.Contains(result.Verbose, v => v.Contains("Loading the rows of public.awkward over 2 connections at once", StringComparison.Ordinal));
        Assert.Contains(result.Verbose, v => v.Contains("Loaded public.awkward: ", StringComparison.Ordinal));
        Assert.All(result.Output, check => Assert.NotEqual("Fail", check.Properties["Status"].Value.ToString()));
        Assert.Equal(Fingerprint(_pg.Source, source), Fingerprint(_pg.Target, target));
        Assert.Equal(Rows.ToString(System.Globalization.CultureInfo.InvariantCulture), _pg.Target.Psql(target, "SELECT count(*) FROM public.awkward"));
        Assert.Equal("awkward_pkey", _pg.Target.Psql(target, "SELECT conname FROM pg_constraint WHERE conrelid = 'public.awkward'::regclass AND contype = 'p'"));

        // The columnar table is never split: its rows go in one COPY, so its stripes are as pg_restore writes them.
        Assert.DoesNotContain(result.Verbose, v => v.Contains("Loading the rows of public.events", StringComparison.Ordinal));
        Assert.Equal("500", _pg.Target.Psql(target, "SELECT count(*) FROM public.events"));
    }

    [Fact]
    public void WhenOneSliceIsRefusedTheTableKeepsNoneOfItsRows()
    {
        var source = AwkwardRows();
        Credentials.Connect(_ps, "src", _pg.Source, source);
        var path = Path.Combine(_pg.NewFolder("refused"), "awkward.dump");
        Assert.Empty(_ps.Run("New-HydraDump -Connection $src -Path $args[0]", path).Errors);

        // The target already has the table, with a column the archive's rows leave empty: the rows near the end of the COPY are refused.
        var target = _pg.NewDatabaseName("refused");
        _pg.Target.Execute("postgres", $"CREATE DATABASE {target} TEMPLATE template0");
        _pg.Target.Execute(target, "CREATE TABLE public.awkward (id int, payload text, note text, extra int CHECK (extra IS NOT NULL OR id < " + (Rows - 10) + "))");
        Credentials.Connect(_ps, "dst", _pg.Target, target);

        var result = _ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -Force -Jobs 2 -Verbose", path);

        Assert.Contains(result.Verbose, v => v.Contains("Loading the rows of public.awkward over 2 connections at once", StringComparison.Ordinal));
        var refused = Assert.Single(result.Errors, e => e.FullyQualifiedErrorId.StartsWith("TableCopyFailed,", StringComparison.Ordinal));
        Assert.Contains("none of them were kept", refused.Exception.Message, StringComparison.Ordinal);
        Assert.False((bool)result.Output.Single().Properties["Succeeded"].Value);
        Assert.Equal("0", _pg.Target.Psql(target, "SELECT count(*) FROM public.awkward"));
    }

    [Fact]
    public void CtrlCDuringASplitLoadStopsEverySliceAndDropsTheDatabase()
    {
        var path = Path.Combine(_pg.NewFolder("ctrlcsplit"), "big.dump");
        Credentials.Connect(_ps, "big", _pg.Source, _pg.Big);
        Assert.Empty(_ps.Run("New-HydraDump -Connection $big -Path $args[0] -SkipRowCount", path).Errors);
        var target = _pg.NewDatabaseName("ctrlcsplit");
        Credentials.Connect(_ps, "dst", _pg.Target, target);

        using var running = _ps.Start("Restore-HydraDump -Path $args[0] -Connection $dst -CreateDatabase -Jobs 2", path);
        Assert.True(running.WaitUntil(() => _pg.Target.Count("postgres", $"SELECT count(*) FROM pg_stat_activity WHERE datname = '{target}' AND query ILIKE 'COPY%'") >= 2, TimeSpan.FromSeconds(120)), "the slices never started copying");
        var took = running.Stop();
        running.Wait();
        Assert.True(running.WasStopped);
        Assert.True(took < TimeSpan.FromSeconds(15), "stopping took " + took);
        Assert.Equal("0", _pg.Target.Psql("postgres", $"SELECT count(*) FROM pg_database WHERE datname = '{target}'")); // created by this call, so dropped
        Assert.Equal("0", _pg.Target.Psql("postgres", $"SELECT count(*) FROM pg_stat_activity WHERE datname = '{target}'"));
        Assert.Empty(Leftovers.Processes("pg_restore", path));
    }

    /// <summary>
    /// A heap table whose rows test the split: newlines, tabs, backslashes and a value that is
    /// exactly "\." (all escaped in COPY's text), NULLs, non-ASCII, and a value of 3 MB, longer
    /// than one block; and a small columnar table beside it.
    /// </summary>
    private string AwkwardRows()
    {
        var name = _pg.NewDatabaseName("awkward");
        _pg.Source.Execute("postgres", $"CREATE DATABASE {name}");
        _pg.Source.Execute(name, $@"
CREATE EXTENSION columnar;
CREATE TABLE public.awkward (id int PRIMARY KEY, payload text, note text);
INSERT INTO public.awkward
SELECT g,
       CASE g % 7 WHEN 0 THEN E'line one\nline two' WHEN 1 THEN E'tab\there' WHEN 2 THEN E'back\\slash' WHEN 3 THEN E'\\.' WHEN 4 THEN NULL WHEN 5 THEN 'überrascht ✓' ELSE repeat('x', g % 300) END,
       md5(g::text)
FROM generate_series(1, {Rows} - 1) g;
INSERT INTO public.awkward VALUES ({Rows}, repeat('big ', 750000), E'\\.\n\\.');
CREATE TABLE public.events (id int, what text) USING columnar;
INSERT INTO public.events SELECT g, 'e' || g FROM generate_series(1, 500) g;");
        return name;
    }

    private static string Fingerprint(PostgresCluster cluster, string database) =>
        cluster.Psql(database, "SELECT md5(string_agg(md5(ROW(a.*)::text), ',' ORDER BY id)) FROM public.awkward a");
}
