using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using HydraMigration.Tests.Harness;

// Compares New-HydraDump (manifest, snapshot row counts and SHA-256 included) with a bare
// `pg_dump -Fc` of the same pgbench database, interleaved in one run so that the machine's
// noise hits both alike, and reports the ratio of the medians. Not a test: run it by hand.
//
//   dotnet run -c Release --project benchmarks/HydraMigration.Benchmarks -- [scale] [rounds]
//
// Each round runs three contenders back to back, in alternating order: bare pg_dump -Fc,
// New-HydraDump, and New-HydraDump -SkipRowCount (which isolates what the row counts cost).
//
// Defaults: pgbench scale 60 (~1 GB) and 9 rounds. As root, the cluster runs as postgres.

var scale = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 60;
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 9;
var root = Path.Combine(Path.GetTempPath(), "hydra-bench-" + Environment.ProcessId);
Directory.CreateDirectory(root);
using var cluster = PostgresCluster.Start("bench", root);
AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Dispose(); // also on SIGTERM
try
{
    var env = cluster.Environment("bench");
    cluster.Execute("postgres", "CREATE DATABASE bench");
    Console.WriteLine($"pgbench -i -s {scale} ...");
    var init = Stopwatch.StartNew();
    ExternalCommand.Run(Path.Combine(PostgresCluster.BinFolder, "pgbench"), new[] { "-i", "-q", "-s", scale.ToString(CultureInfo.InvariantCulture), "bench" }, env, timeoutSeconds: 3600);
    Console.WriteLine($"  {cluster.Psql("bench", "SELECT pg_size_pretty(pg_database_size('bench'))")} in {init.Elapsed.TotalSeconds:0} s");

    var output = Path.Combine(root, "out");
    Directory.CreateDirectory(output);
    using var ps = new PowerShellSession();
    Credentials.Connect(ps, "src", cluster, "bench");

    double Bare()
    {
        var clock = Stopwatch.StartNew();
        ExternalCommand.Run(Path.Combine(PostgresCluster.BinFolder, "pg_dump"), new[] { "-Fc", "-f", Path.Combine(output, "bare.dump"), "bench" }, env, timeoutSeconds: 3600);
        return clock.Elapsed.TotalSeconds;
    }

    double Ours(string extra = "")
    {
        var clock = Stopwatch.StartNew();
        var result = ps.Run("New-HydraDump -Connection $src -Path $args[0] -Force " + extra, Path.Combine(output, "ours.dump"));
        if (result.Errors.Count > 0)
        {
            throw new InvalidOperationException(result.Errors[0].ToString());
        }

        return clock.Elapsed.TotalSeconds;
    }

    Console.WriteLine("warm-up ...");
    Bare();
    Ours();

    var bare = new List<double>();
    var ours = new List<double>();
    var noCounts = new List<double>();
    for (var round = 1; round <= rounds; round++)
    {
        // Alternate which goes first, so neither always gets the warmer cache.
        if (round % 2 == 1)
        {
            bare.Add(Bare());
            ours.Add(Ours());
            noCounts.Add(Ours("-SkipRowCount"));
        }
        else
        {
            noCounts.Add(Ours("-SkipRowCount"));
            ours.Add(Ours());
            bare.Add(Bare());
        }

        Console.WriteLine($"round {round}: pg_dump -Fc {bare[^1]:0.00} s   New-HydraDump {ours[^1]:0.00} s (ratio {ours[^1] / bare[^1]:0.000})   -SkipRowCount {noCounts[^1]:0.00} s");
    }

    static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    // Where New-HydraDump's time goes, from its own verbose timings.
    var timed = ps.Run("New-HydraDump -Connection $src -Path $args[0] -Force -Verbose", Path.Combine(output, "ours.dump"));
    foreach (var line in timed.Verbose.Where(v => v.Contains(" after ", StringComparison.Ordinal) || v.StartsWith("Wrote ", StringComparison.Ordinal)))
    {
        Console.WriteLine("  " + line);
    }

    var ratio = Median(ours) / Median(bare);
    var ratioOfMinimums = ours.Min() / bare.Min();
    Console.WriteLine();
    Console.WriteLine($"archive sizes: pg_dump {new FileInfo(Path.Combine(output, "bare.dump")).Length / 1048576.0:0.0} MB, New-HydraDump {new FileInfo(Path.Combine(output, "ours.dump")).Length / 1048576.0:0.0} MB");
    Console.WriteLine($"median: pg_dump -Fc {Median(bare):0.00} s, New-HydraDump {Median(ours):0.00} s, New-HydraDump -SkipRowCount {Median(noCounts):0.00} s");
    Console.WriteLine($"minimum: pg_dump -Fc {bare.Min():0.00} s, New-HydraDump {ours.Min():0.00} s, New-HydraDump -SkipRowCount {noCounts.Min():0.00} s");
    static string Verdict(double r) => r <= 1.05 ? "met" : "not met";
    Console.WriteLine($"ratio New-HydraDump / pg_dump (target <= 1.05): {ratio:0.000} by medians ({Verdict(ratio)}), {ratioOfMinimums:0.000} by minimums ({Verdict(ratioOfMinimums)}; noise on a shared machine only adds time)");
    Console.WriteLine($"ratio New-HydraDump -SkipRowCount / pg_dump: {Median(noCounts) / Median(bare):0.000} by medians, {noCounts.Min() / bare.Min():0.000} by minimums");
}
finally
{
    cluster.Dispose();
    Directory.Delete(root, recursive: true);
}
