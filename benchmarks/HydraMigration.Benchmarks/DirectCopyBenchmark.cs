using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using HydraMigration.Tests.Harness;

/// <summary>
/// direct: a whole database from one server to another with no archive kept (issue 14),
/// interleaved in one run on the same database (pgbench + a columnar table with options and a
/// database setting, BenchDatabase):
///
///   dotnet run -c Release --project benchmarks/HydraMigration.Benchmarks -- direct [scale] [rounds]
///
/// Contenders, each into a fresh database on a second cluster, dropped after the round:
///   Copy-HydraDatabase -Source $src -Destination $dst -Jobs 2 -IndexJobs 2 -CreateDatabase
///     (hosted PowerShell, the packaged module; skipped, saying so, when the build lacks it);
///   createdb + pgcopydb clone --table-jobs 2 --index-jobs 2 (the anchor; the Debian package
///     pgcopydb, which this benchmark never installs: it says how when it is missing);
///   the seed's three commands: pg_dump -Fc, createdb, pg_restore -j 2.
/// Each round checks every target has all of pgbench_accounts' rows and whether history_columnar's
/// options and the database setting arrived: Copy-HydraDatabase must carry both (the run stops if
/// not), the others are reported. Where the time goes: pgcopydb's own summary, the seed's three
/// commands, and Copy-HydraDatabase's verbose lines timed as they arrive; then the time of
/// `$r | Test-HydraMigration` on our copy, after the round and not in its time.
/// Both clusters are checkpointed before every contender, so none pays for another's writes.
/// </summary>
internal static class DirectCopyBenchmark
{
    private const string Ours = "Copy-HydraDatabase -Jobs 2";
    private const string Anchor = "pgcopydb clone";
    private const string Seed = "pg_dump -Fc + createdb + pg_restore -j 2";

    /// <summary>Verbose records become objects carrying the seconds since the start, as they arrive; the result stays in $r.</summary>
    private const string OursScript = @"
$clock = [System.Diagnostics.Stopwatch]::StartNew()
$timeline = [System.Collections.Generic.List[object]]::new()
$r = Copy-HydraDatabase -Source $src -Destination $dst -Jobs 2 -IndexJobs 2 -CreateDatabase -Verbose 4>&1 | ForEach-Object {
    if ($_ -is [System.Management.Automation.VerboseRecord]) { $timeline.Add([pscustomobject]@{ At = $clock.Elapsed.TotalSeconds; Message = $_.Message }) } else { $_ }
}
$timeline";

    public static int Run(int scale, int rounds)
    {
        ColumnarStandIn.EnsureAvailable();
        var root = Path.Combine(Path.GetTempPath(), "hydra-bench-direct-" + Environment.ProcessId);
        Directory.CreateDirectory(root);
        using var source = PostgresCluster.Start("source", root);
        using var target = PostgresCluster.Start("target", root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { source.Dispose(); target.Dispose(); }; // also on SIGTERM
        try
        {
            BenchDatabase.Create(source, "bench", scale);
            var rows = (scale * 100_000L).ToString(CultureInfo.InvariantCulture);
            using var ps = new PowerShellSession();
            Credentials.Connect(ps, "src", source, "bench");
            Credentials.Connect(ps, "dst", target, "ours");

            var contenders = new List<Contender>();
            if (ps.Run("Get-Command Copy-HydraDatabase -ErrorAction Ignore").Output.Count > 0)
            {
                contenders.Add(new(Ours, "ours", () => RunOurs(ps)));
            }
            else
            {
                Console.WriteLine("Copy-HydraDatabase is not in this build of the module (issue 14): skipping it; pgcopydb and the seed still run.");
            }

            var pgcopydb = FindOnPath("pgcopydb");
            if (pgcopydb is not null)
            {
                var passFile = PassFile(root, source, target);
                contenders.Add(new(Anchor, "anchor", () => RunPgcopydb(pgcopydb, passFile, source, target, root)));
                Console.WriteLine("  " + ExternalCommand.Run(pgcopydb, new[] { "--version" }).Split('\n').First(l => l.StartsWith("pgcopydb version", StringComparison.Ordinal)));
            }
            else
            {
                Console.WriteLine("pgcopydb is not installed, so the anchor is skipped: it is the Debian package pgcopydb, for this benchmark only (never CI): apt-get install pgcopydb");
            }

            contenders.Add(new(Seed, "seed", () => RunSeed(source, target, root)));

            var times = contenders.ToDictionary(c => c.Name, _ => new List<double>());
            var phases = contenders.ToDictionary(c => c.Name, _ => new List<Round>());
            var carried = contenders.ToDictionary(c => c.Name, _ => new List<(bool Options, bool Setting)>());
            var validation = new List<double>();

            (Round Round, bool Options, bool Setting) RunChecked(Contender contender)
            {
                target.Execute("postgres", "DROP DATABASE IF EXISTS " + contender.Database);
                source.Execute("postgres", "CHECKPOINT");
                target.Execute("postgres", "CHECKPOINT");
                var round = contender.Run();
                var copied = target.Psql(contender.Database, "SELECT count(*) FROM pgbench_accounts");
                if (copied != rows)
                {
                    throw new InvalidOperationException($"{contender.Name} copied {copied} of pgbench_accounts' {rows} rows");
                }

                var options = BenchDatabase.OptionsCarried(target, contender.Database);
                var setting = BenchDatabase.SettingCarried(target, contender.Database);
                if (contender.Name == Ours)
                {
                    if (!options || !setting)
                    {
                        throw new InvalidOperationException($"Copy-HydraDatabase did not carry {(options ? string.Empty : "the columnar options ")}{(setting ? string.Empty : "the database setting")}");
                    }

                    validation.Add(Validate(ps));
                }

                target.Execute("postgres", "DROP DATABASE " + contender.Database);
                return (round, options, setting);
            }

            Console.WriteLine("warm-up ...");
            foreach (var contender in contenders)
            {
                RunChecked(contender);
            }

            validation.Clear();
            for (var round = 1; round <= rounds; round++)
            {
                // Alternate the order, so no contender always gets the warmer cache.
                var order = round % 2 == 1 ? contenders : contenders.AsEnumerable().Reverse().ToList();
                foreach (var contender in order)
                {
                    var (result, options, setting) = RunChecked(contender);
                    times[contender.Name].Add(result.Seconds);
                    phases[contender.Name].Add(result);
                    carried[contender.Name].Add((options, setting));
                }

                Console.WriteLine($"round {round}: " + string.Join("   ", contenders.Select(c => $"{c.Name} {times[c.Name][^1]:0.00} s")) + $"   (load {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
                if (phases.TryGetValue(Ours, out var ourRounds))
                {
                    // Each round's own split: on a shared machine one quiet round says more than a median of noisy ones.
                    Console.WriteLine("  " + Ours + ": " + string.Join("; ", ourRounds[^1].Phases.Select(p => $"{p.Phase} {p.Seconds:0.00} s")));
                }
            }

            Report(contenders, times, phases, carried, validation);
            return 0;
        }
        finally
        {
            source.Dispose();
            target.Dispose();
            Directory.Delete(root, recursive: true);
        }
    }

    private static void Report(List<Contender> contenders, Dictionary<string, List<double>> times, Dictionary<string, List<Round>> phases, Dictionary<string, List<(bool Options, bool Setting)>> carried, List<double> validation)
    {
        Console.WriteLine();
        Console.WriteLine("median:  " + string.Join(", ", contenders.Select(c => $"{c.Name} {Stats.Median(times[c.Name]):0.00} s")));
        Console.WriteLine("minimum: " + string.Join(", ", contenders.Select(c => $"{c.Name} {times[c.Name].Min():0.00} s")));
        string Ratio(string name, string baseline) =>
            $"{Stats.Median(times[name]) / Stats.Median(times[baseline]):0.000} by medians, {times[name].Min() / times[baseline].Min():0.000} by minimums";
        if (times.TryGetValue(Ours, out var ours) && times.TryGetValue(Anchor, out var anchor))
        {
            var byMedian = Stats.Median(ours) / Stats.Median(anchor);
            Console.WriteLine($"ratio {Ours} / {Anchor} (target <= 0.9): {Ratio(Ours, Anchor)} ({(byMedian <= 0.9 ? "met" : "not met")} by medians)");
        }

        foreach (var name in new[] { Ours, Anchor }.Where(times.ContainsKey))
        {
            Console.WriteLine($"ratio {name} / seed: {Ratio(name, Seed)}");
        }

        foreach (var contender in contenders)
        {
            var c = carried[contender.Name];
            Console.WriteLine($"{contender.Name}: columnar options carried in {c.Count(x => x.Options)} of {c.Count} rounds, the database setting in {c.Count(x => x.Setting)} of {c.Count}");
        }

        // Where the time goes: each phase's median over the rounds, in the order the phases came.
        Console.WriteLine();
        Console.WriteLine("where the time goes (medians over the rounds; pgcopydb's own summary, \"cumulative\" ones summed over its workers):");
        foreach (var contender in contenders)
        {
            var names = phases[contender.Name].SelectMany(r => r.Phases.Select(p => p.Phase)).Distinct().ToList();
            Console.WriteLine($"  {contender.Name}: " + string.Join("; ", names.Select(n => $"{n} {Stats.Median(phases[contender.Name].Select(r => r.Phases.Where(p => p.Phase == n).Sum(p => p.Seconds)).ToList()):0.00} s")));
        }

        if (validation.Count > 0)
        {
            Console.WriteLine($"  then $r | Test-HydraMigration on our copy (not in the times above): median {Stats.Median(validation):0.00} s");
        }

        if (phases.TryGetValue(Ours, out var ourRounds) && ourRounds.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine("Copy-HydraDatabase's verbose lines in its median round (seconds since the start):");
            var median = ourRounds.OrderBy(r => r.Seconds).ElementAt(ourRounds.Count / 2);
            foreach (var (at, message) in median.Timeline)
            {
                Console.WriteLine($"  {at,7:0.00}  {(message.Length > 160 ? message[..160] + "…" : message)}");
            }

            Console.WriteLine($"  {median.Seconds,7:0.00}  (returned)");
        }
    }

    private static Round RunOurs(PowerShellSession ps)
    {
        var clock = Stopwatch.StartNew();
        var result = ps.Run(OursScript);
        var seconds = clock.Elapsed.TotalSeconds;
        if (result.Errors.Count > 0)
        {
            throw new InvalidOperationException("Copy-HydraDatabase: " + result.Errors[0]);
        }

        var timeline = result.Output.Select(o => ((double)o.Properties["At"].Value, (string)o.Properties["Message"].Value)).ToList();
        return new(seconds, OurPhases(timeline, seconds), timeline);
    }

    /// <summary>
    /// Phases from the verbose lines. Copy-HydraDatabase times its own phases ("Phase schema …:
    /// 1.234 s.") after it has planned ("Copy plan after 0.812 s: …"); what is left is the hosted
    /// engine's part (binding, the preflight's last steps, returning). A build without those lines
    /// is read by the wording instead: a phase runs from its first line to the next phase's.
    /// </summary>
    private static List<(string Phase, double Seconds)> OurPhases(List<(double At, string Message)> timeline, double total)
    {
        var reported = timeline.Select(t => Regex.Match(t.Message, @"^Phase (.+): (\d+(?:\.\d+)?) s\.$")).Where(m => m.Success)
            .Select(m => (m.Groups[1].Value, double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))).ToList();
        if (reported.Count > 0)
        {
            var planned = timeline.Select(t => Regex.Match(t.Message, @"^Copy plan after (\d+(?:\.\d+)?) s")).FirstOrDefault(m => m.Success);
            var phases = new List<(string Phase, double Seconds)>();
            if (planned is not null)
            {
                phases.Add(("plan (snapshot, schema dump, manifest, preflight)", double.Parse(planned.Groups[1].Value, CultureInfo.InvariantCulture)));
            }

            phases.AddRange(reported);
            phases.Add(("the rest (cmdlet, database creation, result)", total - phases.Sum(p => p.Seconds)));

            // Inside the data phase, as pgcopydb reports them: the two big tables' own COPYs.
            phases.AddRange(timeline.Select(t => Regex.Match(t.Message, @"^Worker \d+: copied public\.(pgbench_accounts|history_columnar): .* in (\d+(?:\.\d+)?) s")).Where(m => m.Success)
                .Select(m => ("COPY " + m.Groups[1].Value, double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))));
            return phases;
        }

        var starts = new List<(string Phase, double At)> { ("start (connect, preflight, snapshot)", 0) };
        foreach (var (at, message) in timeline)
        {
            var phase = PhaseOf(message);
            if (phase is not null && starts.All(s => s.Phase != phase))
            {
                starts.Add((phase, at));
            }
        }

        return starts.Select((s, i) => (s.Phase, (i + 1 < starts.Count ? starts[i + 1].At : total) - s.At)).ToList();
    }

    /// <summary>The phase a verbose line opens, by its wording; null for a line inside a phase.</summary>
    private static string? PhaseOf(string message) =>
        Regex.IsMatch(message, @"\b(pre-data|schema)\b", RegexOptions.IgnoreCase) ? "schema"
        : Regex.IsMatch(message, @"\bCOPY\b|\bcopying\b|\bdata\b", RegexOptions.IgnoreCase) ? "data"
        : Regex.IsMatch(message, @"\b(post-data|index|indexes|constraints?)\b", RegexOptions.IgnoreCase) ? "post-data (indexes, constraints)"
        : Regex.IsMatch(message, @"\b(manifest|sequences?|finish|finished|done)\b", RegexOptions.IgnoreCase) ? "finish"
        : null;

    /// <summary>$r | Test-HydraMigration on the copy the last round made: its seconds; every result must pass.</summary>
    private static double Validate(PowerShellSession ps)
    {
        var clock = Stopwatch.StartNew();
        var result = ps.Run("$r | Test-HydraMigration");
        var seconds = clock.Elapsed.TotalSeconds;
        var failed = result.Output.Where(o => o.Properties["Status"].Value.ToString() != "Pass").Select(o => $"{o.Properties["Name"].Value} {o.Properties["Check"].Value}: {o.Properties["Status"].Value}").ToList();
        if (result.Errors.Count > 0 || failed.Count > 0 || result.Output.Count == 0)
        {
            throw new InvalidOperationException("$r | Test-HydraMigration did not pass: " + string.Join("; ", result.Errors.Select(e => e.ToString()).Concat(failed)));
        }

        return seconds;
    }

    private static Round RunPgcopydb(string pgcopydb, string passFile, PostgresCluster source, PostgresCluster target, string root)
    {
        var work = Path.Combine(root, "pgcopydb");
        if (Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true);
        }

        // pgcopydb runs pg_dump and pg_restore itself (it logs which): PostgreSQL 15's, first on PATH.
        // The passwords come from a private passfile, never the command line.
        var environment = new Dictionary<string, string>
        {
            ["PATH"] = PostgresCluster.BinFolder + ":" + Environment.GetEnvironmentVariable("PATH"),
            ["PGPASSFILE"] = passFile,
        };
        var clock = Stopwatch.StartNew();
        ExternalCommand.Run(Path.Combine(PostgresCluster.BinFolder, "createdb"), new[] { "-T", "template0", "anchor" }, target.Environment());
        var created = clock.Elapsed.TotalSeconds;
        var output = ExternalCommand.Run(pgcopydb, new[]
        {
            "clone", "--source", Uri(source, "bench"), "--target", Uri(target, "anchor"),
            "--table-jobs", "2", "--index-jobs", "2", "--dir", work,
        }, environment, timeoutSeconds: 3600);
        var seconds = clock.Elapsed.TotalSeconds;
        var steps = PgcopydbSummary(output);
        var phases = new List<(string, double)> { ("createdb", created) };
        phases.AddRange(steps);
        phases.Add(("outside its summary (start, exit)", seconds - created - steps.Where(s => !s.Phase.Contains("cumulative", StringComparison.Ordinal) && !s.Phase.StartsWith("COPY ", StringComparison.Ordinal) && !s.Phase.StartsWith("CREATE INDEX ", StringComparison.Ordinal)).Sum(s => s.Seconds)));
        return new(seconds, phases, new());
    }

    /// <summary>
    /// pgcopydb's closing summary: its steps (wall clock, or cumulative over its workers as it says)
    /// and the COPY and CREATE INDEX durations of the two big tables.
    /// </summary>
    private static List<(string Phase, double Seconds)> PgcopydbSummary(string output)
    {
        var steps = new List<(string, double)>();
        var tables = new List<(string, double)>();
        foreach (var line in output.Split('\n'))
        {
            var table = Regex.Match(line, @"^\s*\d+ \|\s*\S+ \|\s*(pgbench_accounts|history_columnar) \|\s*(\S+) \|\s*\d+ \|\s*(\S+)\s*$");
            if (table.Success)
            {
                tables.Add(($"COPY {table.Groups[1].Value}", Duration(table.Groups[2].Value)));
                if (table.Groups[3].Value != "0ms")
                {
                    tables.Add(($"CREATE INDEX {table.Groups[1].Value}", Duration(table.Groups[3].Value)));
                }

                continue;
            }

            var step = Regex.Match(line, @"^\s*(.+?)\s{2,}(source|target|both)\s+(\S+)\s+\S.*$");
            if (step.Success && !step.Groups[1].Value.StartsWith("Total", StringComparison.Ordinal) && !step.Groups[1].Value.StartsWith("Step", StringComparison.Ordinal))
            {
                steps.Add((step.Groups[1].Value.Replace("(wall clock)", string.Empty, StringComparison.Ordinal).Trim(), Duration(step.Groups[3].Value)));
            }
        }

        return steps.Concat(tables).ToList();
    }

    /// <summary>pgcopydb's durations: 118ms, 1s671, 11s, 1m02s (as its summary prints them).</summary>
    private static double Duration(string text)
    {
        var ms = Regex.Match(text, @"^(\d+)ms$");
        if (ms.Success)
        {
            return int.Parse(ms.Groups[1].Value, CultureInfo.InvariantCulture) / 1000.0;
        }

        var s = Regex.Match(text, @"^(?:(\d+)m)?(?:(\d+)s)?(\d{3})?$");
        return s.Success
            ? (s.Groups[1].Success ? int.Parse(s.Groups[1].Value, CultureInfo.InvariantCulture) * 60 : 0)
              + (s.Groups[2].Success ? int.Parse(s.Groups[2].Value, CultureInfo.InvariantCulture) : 0)
              + (s.Groups[3].Success ? int.Parse(s.Groups[3].Value, CultureInfo.InvariantCulture) / 1000.0 : 0)
            : throw new FormatException("pgcopydb printed a duration this benchmark cannot read: " + text);
    }

    private static Round RunSeed(PostgresCluster source, PostgresCluster target, string root)
    {
        var archive = Path.Combine(root, "seed.dump");
        var clock = Stopwatch.StartNew();
        ExternalCommand.Run(Path.Combine(PostgresCluster.BinFolder, "pg_dump"), new[] { "-Fc", "-f", archive, "bench" }, source.Environment("bench"), timeoutSeconds: 3600);
        var dumped = clock.Elapsed.TotalSeconds;
        ExternalCommand.Run(Path.Combine(PostgresCluster.BinFolder, "createdb"), new[] { "-T", "template0", "seed" }, target.Environment());
        var created = clock.Elapsed.TotalSeconds;
        ExternalCommand.Run(Path.Combine(PostgresCluster.BinFolder, "pg_restore"), new[] { "-j", "2", "-d", "seed", archive }, target.Environment("seed"), timeoutSeconds: 3600);
        var seconds = clock.Elapsed.TotalSeconds;
        File.Delete(archive);
        return new(seconds, new() { ("pg_dump -Fc", dumped), ("createdb", created - dumped), ("pg_restore -j 2", seconds - created) }, new());
    }

    /// <summary>A libpq passfile (mode 0600, in the run's private folder) with both clusters' superuser passwords.</summary>
    private static string PassFile(string root, PostgresCluster source, PostgresCluster target)
    {
        var path = Path.Combine(root, "pgpass");
        File.WriteAllText(path, string.Empty);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(path, string.Join(string.Empty, new[] { source, target }.Select(c => $"127.0.0.1:{c.Port}:*:{PostgresCluster.SuperUser}:{c.SuperPassword}\n")));
        return path;
    }

    private static string Uri(PostgresCluster cluster, string database) =>
        $"postgres://{PostgresCluster.SuperUser}@127.0.0.1:{cluster.Port}/{database}";

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Select(folder => Path.Combine(folder, program)).FirstOrDefault(File.Exists);

    private sealed record Contender(string Name, string Database, Func<Round> Run);

    /// <summary>One contender's round: its wall time, where it went, and (ours) the timed verbose lines.</summary>
    private sealed record Round(double Seconds, List<(string Phase, double Seconds)> Phases, List<(double At, string Message)> Timeline);
}
