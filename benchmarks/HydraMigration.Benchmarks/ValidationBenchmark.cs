using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using HydraMigration.Tests.Harness;

/// <summary>
/// Exact row-count validation of a database with many tables of mixed sizes (~1 GB), source and
/// target on two clusters of this machine:
///   Test-HydraMigration -Source … -Check RowCount   (both servers at once, bounded pools)
/// against the plain way: one psql session counting every table one after another, first on
/// the source, then on the target. That baseline is timed twice: strictly one query at a time
/// (max_parallel_workers_per_gather = 0, the "one after another" the issue means, whose 2x
/// ceiling on 2 cores it names), and with the server's defaults, where PostgreSQL's own parallel
/// workers already spread the large tables over both cores. A reference runs both psql scripts
/// at once: the ceiling of working both servers side by side on this machine.
/// The clusters and their data live in /var/tmp/hydra-bench-validate and are reused by later
/// runs (building them takes minutes); the target is a clone built by the same deterministic SQL.
/// </summary>
internal static class ValidationBenchmark
{
    private const string Folder = "/var/tmp/hydra-bench-validate";

    public static int Run(int tables, int rounds)
    {
        ColumnarStandIn.EnsureAvailable();
        Directory.CreateDirectory(Folder);
        var source = PostgresCluster.StartOrReuse("source", Folder);
        var target = PostgresCluster.StartOrReuse("target", Folder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { source.StopOnly(); target.StopOnly(); };
        try
        {
            var build = Stopwatch.StartNew();
            Task.WaitAll(Task.Run(() => EnsureData(source, tables)), Task.Run(() => EnsureData(target, tables)));
            Console.WriteLine($"{tables} tables, {source.Psql("bench", "SELECT pg_size_pretty(pg_database_size('bench'))")} on each side (ready after {build.Elapsed.TotalSeconds:0} s)");

            var countScript = Path.Combine(Folder, "count-all.sql");
            File.WriteAllText(countScript, CountScript(source));
            var serialScript = Path.Combine(Folder, "count-all-serial.sql");
            File.WriteAllText(serialScript, "SET max_parallel_workers_per_gather = 0;\n" + CountScript(source));
            using var ps = new PowerShellSession();
            Credentials.Connect(ps, "src", source, "bench");
            Credentials.Connect(ps, "dst", target, "bench");

            void CountAll(PostgresCluster cluster, string script) =>
                ExternalCommand.Run(Path.Combine(PostgresCluster.BinFolder, "psql"), new[] { "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-o", "/dev/null", "-f", script }, cluster.Environment("bench"), timeoutSeconds: 3600);

            Func<double> Sequential(string script) => () =>
            {
                var clock = Stopwatch.StartNew();
                CountAll(source, script);
                CountAll(target, script);
                return clock.Elapsed.TotalSeconds;
            };

            // Not a contender: the same two scripts at once, the most that running both servers
            // side by side can give on this machine, to read the others against.
            double BothAtOnce()
            {
                var clock = Stopwatch.StartNew();
                Task.WaitAll(Task.Run(() => CountAll(source, countScript)), Task.Run(() => CountAll(target, countScript)));
                return clock.Elapsed.TotalSeconds;
            }

            Func<double> Ours(int throttle) => () =>
            {
                var clock = Stopwatch.StartNew();
                var result = ps.Run("Test-HydraMigration -Connection $dst -Source $src -Check RowCount -ExcludeTable bench_ready -ThrottleLimit $args[0]", throttle);
                var seconds = clock.Elapsed.TotalSeconds;
                var counted = result.Output.Count(o => o.Properties["Check"].Value.ToString() == "Count" && o.Properties["Status"].Value.ToString() == "Pass");
                if (result.Errors.Count > 0 || counted != tables)
                {
                    throw new InvalidOperationException($"Test-HydraMigration counted {counted} of {tables} tables: {string.Join("; ", result.Errors)}");
                }

                return seconds;
            };

            var contenders = new List<(string Name, Func<double> Run)>
            {
                ("sequential count(*), one query at a time (psql, source then target)", Sequential(serialScript)),
                ("sequential count(*), server's parallel workers on", Sequential(countScript)),
                ("Test-HydraMigration -ThrottleLimit 4", Ours(4)),
                ("Test-HydraMigration -ThrottleLimit 2", Ours(2)),
                ("Test-HydraMigration -ThrottleLimit 8", Ours(8)),
                ("reference: the two psql scripts at once", BothAtOnce),
            };

            Console.WriteLine("warm-up ...");
            foreach (var (_, run) in contenders)
            {
                run();
            }

            // Where the time of one run goes (the verbose timings of the service).
            var breakdown = Stopwatch.StartNew();
            var verbose = ps.Run("Test-HydraMigration -Connection $dst -Source $src -Check RowCount -ExcludeTable bench_ready -Verbose").Verbose;
            Console.WriteLine($"  load average before the rounds: {File.ReadAllText("/proc/loadavg").Trim()} (another user of the machine slows the parallel contenders most)");
            Console.WriteLine($"  one run, {breakdown.Elapsed.TotalSeconds:0.000} s in all: " + string.Join(" ", verbose));

            var times = contenders.ToDictionary(c => c.Name, _ => new List<double>());
            for (var round = 1; round <= rounds; round++)
            {
                // Alternate the order, so no contender always gets the warmer cache.
                var order = round % 2 == 1 ? contenders : contenders.AsEnumerable().Reverse().ToList();
                foreach (var (name, run) in order)
                {
                    times[name].Add(run());
                }

                Console.WriteLine($"round {round}: " + string.Join("   ", contenders.Select(c => $"{c.Name} {times[c.Name][^1]:0.00} s")));
            }

            Console.WriteLine();
            Console.WriteLine("median:  " + string.Join(", ", contenders.Select(c => $"{c.Name} {Stats.Median(times[c.Name]):0.00} s")));
            Console.WriteLine("minimum: " + string.Join(", ", contenders.Select(c => $"{c.Name} {times[c.Name].Min():0.00} s")));
            foreach (var baseline in contenders.Take(2).Select(c => c.Name))
            {
                Console.WriteLine("against " + baseline + ":");
                foreach (var (name, _) in contenders.Skip(2))
                {
                    var byMedian = Stats.Median(times[baseline]) / Stats.Median(times[name]);
                    var byMinimum = times[baseline].Min() / times[name].Min();
                    Console.WriteLine($"  speed-up of {name} (target >= 1.7): {byMedian:0.00}x by medians ({(byMedian >= 1.7 ? "met" : "not met")}), {byMinimum:0.00}x by minimums ({(byMinimum >= 1.7 ? "met" : "not met")})");
                }
            }

            return 0;
        }
        finally
        {
            source.StopOnly();
            target.StopOnly();
        }
    }

    /// <summary>
    /// The bench database, unless a finished one is there: tables of three sizes (most small,
    /// some medium, a few large; every seventh columnar), rows derived from the row number only,
    /// so both clusters get identical contents.
    /// </summary>
    private static void EnsureData(PostgresCluster cluster, int tables)
    {
        if (cluster.Psql("postgres", "SELECT count(*) FROM pg_database WHERE datname = 'bench'") == "1"
            && cluster.Psql("bench", "SELECT coalesce((SELECT tables FROM bench_ready), 0)", check: false) == tables.ToString(CultureInfo.InvariantCulture))
        {
            return;
        }

        cluster.Execute("postgres", "DROP DATABASE IF EXISTS bench");
        cluster.Execute("postgres", "CREATE DATABASE bench");
        cluster.Execute("bench", "CREATE EXTENSION columnar");
        for (var i = 1; i <= tables; i++)
        {
            var rows = i % 20 == 0 ? 600_000 : i % 5 == 0 ? 120_000 : 15_000;
            var name = "t" + i.ToString("000", CultureInfo.InvariantCulture);
            var columnar = i % 7 == 0;
            cluster.Execute("bench", $@"CREATE TABLE {name} (id bigint NOT NULL, a int, b text, c timestamptz){(columnar ? " USING columnar" : string.Empty)};
INSERT INTO {name} SELECT g, g % 1000, md5(g::text), TIMESTAMPTZ '2025-01-01 00:00:00+00' + g * INTERVAL '1 second' FROM generate_series(1, {rows}) g;
{(columnar ? string.Empty : $"ALTER TABLE {name} ADD PRIMARY KEY (id);")}");
        }

        cluster.Execute("bench", "VACUUM ANALYZE");
        cluster.Execute("bench", $"CREATE TABLE bench_ready AS SELECT {tables} AS tables");
    }

    private static string CountScript(PostgresCluster source)
    {
        var script = new StringBuilder();
        foreach (var table in source.Psql("bench", "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'bench_ready' ORDER BY 1").Split('\n'))
        {
            script.Append("SELECT count(*) FROM ONLY ").Append(table).Append(";\n");
        }

        return script.ToString();
    }
}
