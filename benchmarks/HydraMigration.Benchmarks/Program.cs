using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using HydraMigration.Tests.Harness;

// Speed against the native tools, interleaved in one run so the machine's noise hits both
// alike; reports each round, the medians, the minimums, and their ratios. Not a test.
//
//   dotnet run -c Release --project benchmarks/HydraMigration.Benchmarks -- dump    [scale] [rounds]
//   dotnet run -c Release --project benchmarks/HydraMigration.Benchmarks -- restore [scale] [rounds]
//   dotnet run -c Release --project benchmarks/HydraMigration.Benchmarks -- dump-tables [tables] [rounds]
//   dotnet run -c Release --project benchmarks/HydraMigration.Benchmarks -- copy    [MiB] [rounds]   (CopyBenchmark.cs)
//   dotnet run -c Release --project benchmarks/HydraMigration.Benchmarks -- validate [tables] [rounds]
//   dotnet run -c Release --project benchmarks/HydraMigration.Benchmarks -- migrate [scale] [rounds]  (MigrationBenchmark.cs)
//   dotnet run -c Release --project benchmarks/HydraMigration.Benchmarks -- direct  [scale] [rounds]  (DirectCopyBenchmark.cs)
//
// dump:    New-HydraDump (manifest, snapshot row counts, SHA-256) vs bare pg_dump -Fc, plus
//          New-HydraDump -SkipRowCount to isolate what the counts cost.
// dump-tables: the same contenders on many small tables (20 rows each, a view on every tenth;
//          default 5,000): what the manifest costs per table, where pgbench has only four.
// restore: Restore-HydraDump -Jobs 2 -CreateDatabase (preflight, sectioned restore, columnar
//          options and settings re-applied) vs createdb + bare pg_restore -j 2, into fresh databases.
// validate: Test-HydraMigration -Source -Check RowCount (exact counts on both servers at once) vs
//          counting every table one after another through one psql session, source then target.
//          See ValidationBenchmark.cs.
// direct:  Copy-HydraDatabase -Jobs 2 -IndexJobs 2 -CreateDatabase vs pgcopydb clone and the seed's
//          pg_dump -Fc + createdb + pg_restore -j 2, server to server. See DirectCopyBenchmark.cs.
//
// Defaults: pgbench scale 60 (~1 GB) and 9 rounds. As root, the cluster runs as postgres. The
// bench database also gets a columnar table with non-default options and a database setting,
// so the restore does what it does for a real Hydra database.

var mode = args.Length > 0 ? args[0] : "dump";
if (mode is "copy" or CopyBenchmark.WorkerMode)
{
    return CopyBenchmark.Run(args);
}

if (mode == "migrate")
{
    return MigrationBenchmark.Run(
        args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 60,
        args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3);
}

if (mode == "validate")
{
    return ValidationBenchmark.Run(
        args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200,
        args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 7);
}

var manyTables = mode == "dump-tables";
var scale = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : manyTables ? 5000 : 60;
if (mode == "direct")
{
    return DirectCopyBenchmark.Run(scale, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5);
}

var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 9;
if (mode is not ("dump" or "restore" or "dump-tables"))
{
    Console.Error.WriteLine("usage: -- dump|restore|direct|migrate [scale] [rounds]   or   -- dump-tables|validate [tables] [rounds]");
    return 2;
}

ColumnarStandIn.EnsureAvailable();
var root = Path.Combine(Path.GetTempPath(), "hydra-bench-" + Environment.ProcessId);
Directory.CreateDirectory(root);
using var cluster = PostgresCluster.Start("bench", root);
AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Dispose(); // also on SIGTERM
try
{
    var env = cluster.Environment("bench");
    if (manyTables)
    {
        BenchDatabase.CreateManyTables(cluster, "bench", scale, ManyTables(scale));
    }
    else
    {
        BenchDatabase.Create(cluster, "bench", scale);
    }

    var output = Path.Combine(root, "out");
    Directory.CreateDirectory(output);
    using var ps = new PowerShellSession();
    Credentials.Connect(ps, "src", cluster, "bench");
    var contenders = mode != "restore" ? DumpContenders(ps, env, output) : RestoreContenders(ps, cluster, output);

    Console.WriteLine("warm-up ...");
    foreach (var (_, run) in contenders)
    {
        run();
    }

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

    // The many-tables case has its own target: the manifest's catalog may cost up to a tenth there.
    var target = manyTables ? 1.10 : 1.05;
    string Verdict(double r) => r <= target ? "met" : "not met";
    Console.WriteLine();
    Console.WriteLine("median:  " + string.Join(", ", contenders.Select(c => $"{c.Name} {Stats.Median(times[c.Name]):0.00} s")));
    Console.WriteLine("minimum: " + string.Join(", ", contenders.Select(c => $"{c.Name} {times[c.Name].Min():0.00} s")));
    var native = contenders[0].Name;
    foreach (var (name, _) in contenders.Skip(1))
    {
        var byMedian = Stats.Median(times[name]) / Stats.Median(times[native]);
        var byMinimum = times[name].Min() / times[native].Min();
        // Each round's own ratio: the two ran seconds apart, so a slow spell of the shared machine
        // that lasts a few rounds weighs on both, where medians of each side can drift apart.
        var byRound = Stats.Median(times[name].Zip(times[native], (ours, theirs) => ours / theirs).ToList());
        Console.WriteLine($"ratio {name} / {native} (target <= {target:0.00}): {byMedian:0.000} by medians ({Verdict(byMedian)}), {byMinimum:0.000} by minimums ({Verdict(byMinimum)}; noise on a shared machine only adds time), {byRound:0.000} by the median of the rounds' own ratios ({Verdict(byRound)})");
    }

    if (mode != "restore")
    {
        // Where a dump's time goes: the phases New-HydraDump reports with -Verbose.
        var verbose = ps.Run("New-HydraDump -Connection $src -Path $args[0] -Force -Verbose 4>&1", Path.Combine(output, "ours.dump"));
        Console.WriteLine("breakdown: " + string.Join(" | ", verbose.Output.Select(o => o.ToString()).Where(l => l.Contains(" after ", StringComparison.Ordinal) || l.StartsWith("pg_dump ran", StringComparison.Ordinal) || l.StartsWith("Wrote ", StringComparison.Ordinal))));
    }

    return 0;
}
finally
{
    cluster.Dispose();
    Directory.Delete(root, recursive: true);
}

// One DO block: 5,000 CREATE statements in one round trip, each table filled by its own INSERT.
static string ManyTables(int count) => @"DO $$
BEGIN
  FOR i IN 1.." + count.ToString(CultureInfo.InvariantCulture) + @" LOOP
    EXECUTE format('CREATE TABLE t%s (id int PRIMARY KEY, name text NOT NULL, at timestamptz DEFAULT now())', i);
    EXECUTE format('INSERT INTO t%s (id, name) SELECT g, ''row '' || g FROM generate_series(1, 20) g', i);
    IF i % 10 = 0 THEN
      EXECUTE format('CREATE VIEW v%s AS SELECT id, name FROM t%s WHERE id > 10', i, i);
    END IF;
    IF i % 200 = 0 THEN
      COMMIT; -- each CREATE holds its locks to the end of the transaction
    END IF;
  END LOOP;
END $$";

static List<(string Name, Func<double> Run)> DumpContenders(PowerShellSession ps, Dictionary<string, string> env, string output)
{
    double Bare()
    {
        var clock = Stopwatch.StartNew();
        ExternalCommand.Run(Path.Combine(PostgresCluster.BinFolder, "pg_dump"), new[] { "-Fc", "-f", Path.Combine(output, "bare.dump"), "bench" }, env, timeoutSeconds: 3600);
        return clock.Elapsed.TotalSeconds;
    }

    Func<double> Ours(string extra) => () => Timed(ps, "New-HydraDump -Connection $src -Path $args[0] -Force " + extra, Path.Combine(output, "ours.dump"));

    return new() { ("pg_dump -Fc", Bare), ("New-HydraDump", Ours(string.Empty)), ("New-HydraDump -SkipRowCount", Ours("-SkipRowCount")) };
}

static List<(string Name, Func<double> Run)> RestoreContenders(PowerShellSession ps, PostgresCluster cluster, string output)
{
    // One archive, with its manifest, restored again and again into fresh databases.
    var archive = Path.Combine(output, "bench.dump");
    Timed(ps, "New-HydraDump -Connection $src -Path $args[0]", archive);
    Console.WriteLine($"  archive {new FileInfo(archive).Length / 1048576.0:0.0} MB");
    var counter = 0;

    double Bare()
    {
        var db = "bare_" + ++counter;
        var clock = Stopwatch.StartNew();
        ExternalCommand.Run(Path.Combine(PostgresCluster.BinFolder, "createdb"), new[] { "-T", "template0", db }, cluster.Environment());
        ExternalCommand.Run(Path.Combine(PostgresCluster.BinFolder, "pg_restore"), new[] { "-j", "2", "-d", db, archive }, cluster.Environment(db), timeoutSeconds: 3600);
        var seconds = clock.Elapsed.TotalSeconds;
        cluster.Execute("postgres", "DROP DATABASE " + db);
        return seconds;
    }

    double Ours()
    {
        var db = "ours_" + ++counter;
        Credentials.Connect(ps, "dst", cluster, db);
        var seconds = Timed(ps, "Restore-HydraDump -Path $args[0] -Connection $dst -CreateDatabase -Jobs 2", archive);
        if (!BenchDatabase.OptionsCarried(cluster, db) || !BenchDatabase.SettingCarried(cluster, db))
        {
            throw new InvalidOperationException("the columnar options or the database setting were not carried over");
        }

        cluster.Execute("postgres", "DROP DATABASE " + db);
        return seconds;
    }

    return new() { ("pg_restore -j 2", Bare), ("Restore-HydraDump -Jobs 2", Ours) };
}

static double Timed(PowerShellSession ps, string script, string path)
{
    var clock = Stopwatch.StartNew();
    var result = ps.Run(script, path);
    if (result.Errors.Count > 0)
    {
        throw new InvalidOperationException(result.Errors[0].ToString());
    }

    return clock.Elapsed.TotalSeconds;
}
