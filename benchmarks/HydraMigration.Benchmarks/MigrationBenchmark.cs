using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using HydraMigration.Tests.Harness;

/// <summary>
/// The whole migration, local, validation included:
///   Invoke-HydraMigration -Source bench -Target fresh -Jobs 2   (plan and preflight, pg_dump with
///   the manifest, archive verified, CREATE DATABASE, sectioned pg_restore -j 2 with columnar
///   options and settings, validation against the manifest, archive removed)
/// against the seed's commands: pg_dump -Fc, createdb, pg_restore -j 2 — no proof at all.
/// Interleaved in one session after Import-Module (the order alternates each round); the cold
/// start of a fresh pwsh that imports the module, and the session's first migration (which also
/// JIT-compiles the engine), are timed apart, since a runbook pays them once.
/// </summary>
internal static class MigrationBenchmark
{
    public static int Run(int scale, int rounds)
    {
        ColumnarStandIn.EnsureAvailable();
        var root = Path.Combine(Path.GetTempPath(), "hydra-bench-migrate-" + Environment.ProcessId);
        Directory.CreateDirectory(root);
        using var cluster = PostgresCluster.Start("bench", root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Dispose();
        try
        {
            var env = cluster.Environment("bench");
            BenchDatabase.Create(cluster, "bench", scale);
            var output = Path.Combine(root, "out");
            Directory.CreateDirectory(output);
            using var ps = new PowerShellSession();
            Credentials.Connect(ps, "src", cluster, "bench");
            var counter = 0;

            double Seed()
            {
                var db = "seed_" + ++counter;
                var archive = Path.Combine(output, db + ".dump");
                var clock = Stopwatch.StartNew();
                ExternalCommand.Run(Path.Combine(PostgresCluster.BinFolder, "pg_dump"), new[] { "-Fc", "-f", archive, "bench" }, env, timeoutSeconds: 3600);
                ExternalCommand.Run(Path.Combine(PostgresCluster.BinFolder, "createdb"), new[] { "-T", "template0", db }, cluster.Environment());
                ExternalCommand.Run(Path.Combine(PostgresCluster.BinFolder, "pg_restore"), new[] { "-j", "2", "-d", db, archive }, cluster.Environment(db), timeoutSeconds: 3600);
                var seconds = clock.Elapsed.TotalSeconds;
                File.Delete(archive);
                cluster.Execute("postgres", "DROP DATABASE " + db);
                return seconds;
            }

            double Ours()
            {
                var db = "ours_" + ++counter;
                Credentials.Connect(ps, "dst", cluster, db);
                var clock = Stopwatch.StartNew();
                var result = ps.Run("Invoke-HydraMigration -Source $src -Target $dst -Jobs 2 -WorkFolder $args[0]", Path.Combine(output, db));
                var seconds = clock.Elapsed.TotalSeconds;
                var report = result.Output.Select(o => o.BaseObject).OfType<HydraMigration.HydraMigrationReport>().SingleOrDefault();
                if (result.Errors.Count > 0 || report is not { Succeeded: true } || report.Validation!.Failed > 0)
                {
                    throw new InvalidOperationException("Invoke-HydraMigration failed: " + string.Join("; ", result.Errors));
                }

                if (counter <= 2)
                {
                    Console.WriteLine("  " + string.Join(", ", report.Steps.Select(s => $"{s.Name} {s.Duration.TotalSeconds:0.00} s")));
                }

                cluster.Execute("postgres", "DROP DATABASE " + db);
                return seconds;
            }

            // The session's first migration also compiles the engine's code paths (JIT): timed on a
            // small database and reported apart, like the cold start, so the rounds compare steady work.
            cluster.Execute("postgres", "CREATE DATABASE warmup");
            cluster.Execute("warmup", "CREATE EXTENSION columnar; CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 1000) g; CREATE TABLE c USING columnar AS SELECT * FROM t;");
            Credentials.Connect(ps, "warm", cluster, "warmup");
            Credentials.Connect(ps, "warmed", cluster, "warmup_copy");
            var warm = Stopwatch.StartNew();
            var first = ps.Run("Invoke-HydraMigration -Source $warm -Target $warmed -Jobs 2 -WorkFolder $args[0]", Path.Combine(output, "warmup"));
            if (first.Errors.Count > 0)
            {
                throw new InvalidOperationException("the warm-up migration failed: " + string.Join("; ", first.Errors));
            }

            Console.WriteLine($"first migration in the session (a 1,000-row database, JIT included), apart: {warm.Elapsed.TotalSeconds:0.00} s");

            var contenders = new List<(string Name, Func<double> Run)> { ("pg_dump -Fc + createdb + pg_restore -j 2", Seed), ("Invoke-HydraMigration -Jobs 2", Ours) };
            var times = contenders.ToDictionary(c => c.Name, _ => new List<double>());
            for (var round = 1; round <= rounds; round++)
            {
                var order = round % 2 == 1 ? contenders : contenders.AsEnumerable().Reverse().ToList();
                foreach (var (name, run) in order)
                {
                    times[name].Add(run());
                }

                Console.WriteLine($"round {round}: " + string.Join("   ", contenders.Select(c => $"{c.Name} {times[c.Name][^1]:0.00} s")));
            }

            var seed = contenders[0].Name;
            var ours = contenders[1].Name;
            Console.WriteLine();
            Console.WriteLine("median:  " + string.Join(", ", contenders.Select(c => $"{c.Name} {Stats.Median(times[c.Name]):0.00} s")));
            Console.WriteLine("minimum: " + string.Join(", ", contenders.Select(c => $"{c.Name} {times[c.Name].Min():0.00} s")));
            Console.WriteLine($"ratio (target <= 1.05): {Stats.Median(times[ours]) / Stats.Median(times[seed]):0.000} by medians, {times[ours].Min() / times[seed].Min():0.000} by minimums");

            // Once per runbook: a fresh pwsh that imports the module and resolves the cmdlet.
            var cold = new List<double>();
            for (var i = 0; i < 3; i++)
            {
                var clock = Stopwatch.StartNew();
                var start = Pwsh.Run("Import-Module $env:HYDRA_MODULE; $null = Get-Command Invoke-HydraMigration -ErrorAction Stop");
                cold.Add(clock.Elapsed.TotalSeconds);
                if (start.ExitCode != 0)
                {
                    throw new InvalidOperationException(start.Output + start.Errors);
                }
            }

            Console.WriteLine($"cold start (fresh pwsh + Import-Module), apart: median {Stats.Median(cold):0.00} s, minimum {cold.Min():0.00} s");
            return 0;
        }
        finally
        {
            cluster.Dispose();
            Directory.Delete(root, recursive: true);
        }
    }
}
