using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using HydraMigration.Tests.Harness;

/// <summary>
/// copy: our SFTP transfer against OpenSSH scp over loopback, both directions, interleaved.
///
///   dotnet run -c Release --project benchmarks/HydraMigration.Benchmarks -- copy [MiB] [rounds]
///
/// A private sshd (the tests' harness) and a file of random bytes (default 1 GiB, 5 rounds).
/// Each round: scp upload, ours upload (transfer + SHA-256 computed on the remote host, compared),
/// scp download, ours download (transfer + local SHA-256, compared). Our copies run in a child
/// process (this program in worker mode), so its peak RSS (VmHWM) is the copy's alone; its RSS
/// before the first copy is reported as the baseline. scp uses OpenSSH's defaults, as a user's
/// scp would, with the test user's key.
///
/// "Ours" is Copy-HydraDump in a hosted PowerShell with the packaged module (-ToSession and
/// -FromSession), so it includes what a user pays: the cmdlet, SHA-256 on both sides checked
/// against the archive's manifest, temporary name and rename.
///
/// Besides times it prints the client's CPU seconds per GiB (ours: the worker's own; scp: scp
/// and its ssh) and the worker's context switches: on a shared machine these move far less
/// than wall times. HYDRA_BENCH_ONLY="ours up,scp up" runs only the named steps. Before each timed
/// copy the dirty pages are written back (sync), so no copy pays for the previous one's writeback.
/// Each download writes a new local file; each upload replaces the last round's remote file (scp
/// by truncating it, ours with -Force), so both sides pay for freeing the old one alike.
/// </summary>
internal static class CopyBenchmark
{
    public const string WorkerMode = "copy-worker";

    public static int Run(string[] args) => args[0] == WorkerMode ? Worker(args) : Compare(args);

    private static int Compare(string[] args)
    {
        var mib = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1024;
        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5;
        var root = Path.Combine(Path.GetTempPath(), "hydra-bench-copy-" + Environment.ProcessId);
        Directory.CreateDirectory(root);
        using var server = SshServer.Start(root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Dispose();
        try
        {
            var source = Path.Combine(root, "source.bin");
            var expected = CreateRandomFile(source, (long)mib << 20);
            var bytes = new FileInfo(source).Length;
            Console.WriteLine($"{mib} MiB of random bytes, SHA-256 {expected[..16]}…; sshd on 127.0.0.1:{server.Port}; {rounds} rounds");

            // HYDRA_BENCH_VARIANTS="name:VAR=value,VAR=value;name2:…" adds one worker per variant, each
            // with those variables set, whose copies run in the same rounds as "ours" and scp.
            var workers = new List<(string Name, WorkerProcess Process)> { ("ours", StartWorker(server, new Dictionary<string, string>())) };
            foreach (var spec in (Environment.GetEnvironmentVariable("HYDRA_BENCH_VARIANTS") ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = spec.Split(':', 2);
                var settings = parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(a => a.Split('=', 2)).ToDictionary(a => a[0], a => a[1]);
                workers.Add(("ours/" + parts[0], StartWorker(server, settings)));
            }

            using var cleanup = new Disposables(workers.Select(w => (IDisposable)w.Process));
            foreach (var (name, process) in workers)
            {
                Console.WriteLine($"{name} worker: baseline RSS {process.Ask("rss")} ({process.Ask("gc")}; {process.Ask("mem")})");
            }

            var ours = workers.Select(w => w.Name).ToList();
            var names = new[] { "scp up" }.Concat(ours.Select(n => n + " up")).Append("scp down").Concat(ours.Select(n => n + " down")).ToArray();
            var times = names.ToDictionary(n => n, _ => new List<double>());
            var cpu = ours.SelectMany(n => new[] { n + " up", n + " down" }).ToDictionary(n => n, _ => new List<double>());
            var remoteScp = Path.Combine(server.RemoteFolder, "scp.bin");
            var localScp = Path.Combine(root, "scp-down.bin");

            // Each worker copies its own files, as scp does: none replaces another's (see the deletes below).
            var remoteOf = workers.Select((w, i) => (w.Name, Path: Path.Combine(server.RemoteFolder, $"ours-{i}.bin"))).ToDictionary(w => w.Name, w => w.Path);
            var localOf = workers.Select((w, i) => (w.Name, Path: Path.Combine(root, $"ours-{i}-down.bin"))).ToDictionary(w => w.Name, w => w.Path);

            Console.WriteLine("warm-up ...");
            Scp(server, source, remoteScp, upload: true);
            foreach (var (name, process) in workers)
            {
                process.Ask($"up\t{source}\t{remoteOf[name]}\t{expected}");
            }

            ScpCpu["scp up"].Clear();

            // Each copy's own peak RSS: the worker's VmHWM is read and reset after every copy.
            var peaks = ours.SelectMany(n => new[] { n + " up", n + " down" }).ToDictionary(n => n, _ => new List<double>());
            foreach (var (name, process) in workers)
            {
                peaks[name + " up"].Add(Megabytes(process.Ask("peak-reset")));
            }

            for (var round = 1; round <= rounds; round++)
            {
                var up = new List<(string Name, Func<double> Run)> { ("scp up", () => Scp(server, source, remoteScp, upload: true)) };
                var down = new List<(string Name, Func<double> Run)> { ("scp down", () => Scp(server, remoteScp, localScp, upload: false)) };
                foreach (var (name, process) in workers)
                {
                    up.Add((name + " up", () => Peaked(peaks[name + " up"], process, Timed(cpu[name + " up"], process.Ask($"up\t{source}\t{remoteOf[name]}\t{expected}")))));
                    down.Add((name + " down", () => Peaked(peaks[name + " down"], process, Timed(cpu[name + " down"], process.Ask($"down\t{remoteOf[name]}\t{localOf[name]}\t{expected}")))));
                }

                // Alternate who goes first in each direction, so none always meets the warmer cache.
                if (round % 2 == 0)
                {
                    up.Reverse();
                    down.Reverse();
                }

                var only = Environment.GetEnvironmentVariable("HYDRA_BENCH_ONLY");
                foreach (var (name, run) in up.Concat(down).Where(st => only is null || only.Split(',').Contains(st.Name)))
                {
                    // Each copy starts with no other copy's dirty pages still to write back (untimed):
                    // every step writes 1 GiB to the one disk, and the kernel throttles whichever
                    // writer crosses its dirty threshold, scp or ours, by a second or more.
                    ExternalCommand.Run("sync", Array.Empty<string>());
                    times[name].Add(run());
                }

                if (names.Contains("scp up") && File.Exists(remoteScp))
                {
                    HashTimes["up"].Add(Hash(server, remoteScp, remote: true));
                }

                if (File.Exists(localScp))
                {
                    HashTimes["down"].Add(Hash(server, localScp, remote: false));
                }

                Console.WriteLine($"round {round}: " + string.Join("   ", names.Where(n => times[n].Count > 0).Select(n => $"{n} {times[n][^1]:0.00} s ({Rate(bytes, times[n][^1])})")));
                // Both downloads start the next round with no file of the last one to replace (untimed).
                // Ours used to replace its own (-Force): deleting a 1 GiB file costs 0.8 s here (ext4
                // mounted with discard trims it there and then), which scp never paid, and every
                // download after the first round came out 0.7-1.3 s slower than scp's.
                File.Delete(localScp);
                foreach (var local in localOf.Values)
                {
                    File.Delete(local);
                    File.Delete(HydraMigration.Dump.ManifestFile.PathFor(local));
                }
            }

            Console.WriteLine();
            names = names.Where(n => times[n].Count > 0).ToArray(); // HYDRA_BENCH_ONLY may have skipped some
            Console.WriteLine("median:  " + string.Join(", ", names.Select(n => $"{n} {Median(times[n]):0.00} s ({Rate(bytes, Median(times[n]))})")));
            Console.WriteLine("minimum: " + string.Join(", ", names.Select(n => $"{n} {times[n].Min():0.00} s ({Rate(bytes, times[n].Min())})")));
            foreach (var name in ours)
            {
                foreach (var direction in new[] { "up", "down" }.Where(d => names.Contains(name + " " + d) && names.Contains("scp " + d)))
                {
                    // Throughput ratio = scp's time / our time.
                    var byMedian = Median(times["scp " + direction]) / Median(times[name + " " + direction]);
                    var byMinimum = times["scp " + direction].Min() / times[name + " " + direction].Min();
                    Console.WriteLine($"throughput {name}/scp {direction,-4} (target >= 0.9): {byMedian:0.000} by medians ({(byMedian >= 0.9 ? "met" : "not met")}), {byMinimum:0.000} by minimums ({(byMinimum >= 0.9 ? "met" : "not met")})");
                }
            }

            // Steadiness: the slowest round against the median (target: none over 1.5×).
            foreach (var name in names)
            {
                var median = Median(times[name]);
                Console.WriteLine($"steadiness {name}: slowest round {times[name].Max() / median:0.00}× the median, {times[name].Count(t => t > 1.5 * median)} of {times[name].Count} rounds over 1.5×");
            }

            // Reference: what OpenSSH needs for the same proof, scp and then the SHA-256 of the copy
            // where it landed (openssl, as ours uses). Hashing timed after each round's copies.
            foreach (var direction in new[] { "up", "down" }.Where(d => names.Contains("ours " + d) && names.Contains("scp " + d)))
            {
                var verified = Median(times["scp " + direction]) + Median(HashTimes[direction]);
                Console.WriteLine($"reference, scp then SHA-256 of the copy ({direction}): {verified:0.00} s; throughput ours/that {verified / Median(times["ours " + direction]):0.000} by medians");
            }

            // CPU time is what a busy machine's noise changes least: the client's own cost per GiB.
            Console.WriteLine("client CPU (our worker; scp and its ssh), median per GiB: " + string.Join(", ", cpu.Concat(ScpCpu).Where(c => c.Value.Count > 0).Select(c => $"{c.Key} {Median(c.Value) * 1024 / mib:0.00} s")));
            Console.WriteLine($"context switches in our process, median per GiB copied: {Median(Switches) * 1024 / mib:0}");
            foreach (var (name, process) in workers)
            {
                var all = peaks[name + " up"].Concat(peaks[name + " down"]).Append(Megabytes(process.Ask("peak"))).Max();
                Console.WriteLine($"{name} worker peak RSS (VmHWM): {all:0.0} MB (target < 150 MB); per copy, the highest: up {Highest(peaks[name + " up"])} (warm-up included), down {Highest(peaks[name + " down"])}; at the end {process.Ask("gc")}; {process.Ask("mem")}");
                process.Ask("exit");
            }

            return 0;
        }
        finally
        {
            server.Dispose();
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>
    /// The worker: one hosted PowerShell with the packaged module and one SSH session, running
    /// Copy-HydraDump for each request — verification against the manifest included.
    /// </summary>
    private static int Worker(string[] args)
    {
        // Tuning experiments: HYDRA_BENCH_CONNECTIONS / _STREAMS / _CHUNK_KB / _WINDOW override the engine's defaults.
        var o = HydraMigration.Transfer.TransferOptions.Default;
        o.Connections = EnvInt("HYDRA_BENCH_CONNECTIONS") ?? o.Connections;
        o.StreamsPerConnection = EnvInt("HYDRA_BENCH_STREAMS") ?? o.StreamsPerConnection;
        o.ChunkSize = (EnvInt("HYDRA_BENCH_CHUNK_KB") * 1024) ?? o.ChunkSize;
        o.Window = EnvInt("HYDRA_BENCH_WINDOW") ?? o.Window;

        // HYDRA_BENCH_KEEP_SFTP=0: the session keeps no SFTP connection between copies (each copy logs in anew), for a variant to compare with.
        HydraMigration.Ssh.IdleSftpConnections.Capacity = EnvInt("HYDRA_BENCH_KEEP_SFTP") ?? HydraMigration.Ssh.IdleSftpConnections.Capacity;
        // HYDRA_BENCH_TRIM=0: glibc's free heap is not handed back after each copy (NativeHeap), for a variant to compare with.
        HydraMigration.NativeHeap.Enabled = Environment.GetEnvironmentVariable("HYDRA_BENCH_TRIM") != "0";
        var probe = Environment.GetEnvironmentVariable("HYDRA_BENCH_PROBE") == "1";
        void Probe(string stage)
        {
            if (probe)
            {
                Console.Error.WriteLine($"probe {stage}: {MemorySummary()}; {GcSummary()}");
            }
        }

        using var allocations = Environment.GetEnvironmentVariable("HYDRA_BENCH_ALLOCS") == "1" ? new AllocationListener() : null;
        Probe("runtime started");
        using var ps = new PowerShellSession();
        Probe("module imported");
        var opened = ps.Run("$s = New-HydraSshSession -HostName 127.0.0.1 -Port $args[0] -UserName $args[1] -KeyFile $args[2] -HostKeyFingerprint $args[3]", int.Parse(args[1], CultureInfo.InvariantCulture), SshServer.UserName, args[2], args[3]);
        if (opened.Errors.Count > 0)
        {
            Console.Error.WriteLine(opened.Errors[0]);
            return 1;
        }

        Probe("SSH session opened");
        if (probe)
        {
            ps.Run("foreach ($i in 1..300000) { $null = \"row $i\" * 3 }");
            Probe("300k short-lived strings made in PowerShell");
            var manifest = Path.Combine(Path.GetTempPath(), "probe-" + Environment.ProcessId + ".dump.manifest.json");
            File.WriteAllText(manifest, $$"""{ "manifestVersion": 1, "createdBy": "benchmark", "createdUtc": "2026-01-01T00:00:00Z", "archive": { "format": "Custom", "fileName": "x.dump", "sizeBytes": 1, "sha256": "00", "files": [], "pgDumpVersion": "15" }, "source": { "host": "h", "port": 5432, "database": "d", "serverVersion": "15", "serverVersionNum": 150000, "encoding": "UTF8" }, "options": {}, "extensions": [], "tables": [], "databaseSettings": [], "roles": [] }""");
            HydraMigration.Dump.ManifestFile.Read(manifest);
            File.Delete(manifest);
            Probe("a manifest read");
        }

        if (Environment.GetEnvironmentVariable("HYDRA_BENCH_SMAPS") is { Length: > 0 } baselineMaps)
        {
            File.Copy("/proc/self/smaps", Path.Combine(baselineMaps, "000-baseline.smaps"), overwrite: true);
        }

        var copies = 0;
        string? line;
        while ((line = Console.ReadLine()) is not null)
        {
            var parts = line.Split('\t');
            try
            {
                var clock = Stopwatch.StartNew();
                var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                var switchesBefore = ContextSwitches();
                switch (parts[0])
                {
                    case "rss":
                        Console.WriteLine(Status("VmRSS"));
                        continue;
                    case "peak":
                        Console.WriteLine(Status("VmHWM"));
                        continue;
                    case "peak-reset":
                        // The peak since the last reset; writing 5 to clear_refs resets VmHWM to the current RSS.
                        Console.WriteLine(Status("VmHWM"));
                        File.WriteAllText("/proc/self/clear_refs", "5");
                        continue;
                    case "mem":
                        Console.WriteLine(MemorySummary());
                        continue;
                    case "gc":
                        Console.WriteLine(GcSummary());
                        continue;
                    case "exit":
                        Console.WriteLine("bye");
                        return 0;
                    case "up":
                        Check(ps.Run("Copy-HydraDump -Path $args[0] -ToSession $s -Destination $args[1] -Force", parts[1], parts[2]), parts[3]);
                        break;
                    case "down":
                        Check(ps.Run("Copy-HydraDump -FromSession $s -Path $args[0] -Destination $args[1] -Force", parts[1], parts[2]), parts[3]);
                        break;
                }

                // Investigations: HYDRA_BENCH_SMAPS=folder keeps the worker's memory map after each copy.
                if (Environment.GetEnvironmentVariable("HYDRA_BENCH_SMAPS") is { Length: > 0 } maps)
                {
                    File.Copy("/proc/self/smaps", Path.Combine(maps, $"{++copies:000}-{parts[0]}.smaps"), overwrite: true);
                }

                if (allocations is not null)
                {
                    Console.Error.WriteLine($"allocations during {parts[0]}: {allocations.TakeSummary()}");
                }

                // "wall-seconds cpu-seconds": the copy's CPU time in this process (all its threads).
                var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
                Console.WriteLine(clock.Elapsed.TotalSeconds.ToString("R", CultureInfo.InvariantCulture) + " " + cpu.ToString("R", CultureInfo.InvariantCulture) + " " + (ContextSwitches() - switchesBefore).ToString(CultureInfo.InvariantCulture));
            }
            catch (Exception ex)
            {
                Console.WriteLine("error " + ex.ToString().Replace('\n', ' '));
            }
        }

        return 0;
    }

    /// <summary>The copy succeeded and reports the expected SHA-256 (it verified it against the manifest before answering).</summary>
    private static void Check(PipelineResult result, string expected)
    {
        if (result.Errors.Count > 0 || result.Output.Count != 1 || (string?)result.Output[0].Properties["Sha256"].Value != expected)
        {
            throw new InvalidOperationException("Copy-HydraDump failed: " + string.Join(" ", result.Errors.Select(e => e.ToString())));
        }
    }

    /// <summary>The runtime's allocation ticks (one per ~100 KB allocated), summed by heap and by the type and size of the object that crossed the tick.</summary>
    private sealed class AllocationListener : System.Diagnostics.Tracing.EventListener
    {
        private readonly Dictionary<string, (long Bytes, int Ticks)> _byKey = new();

        public string TakeSummary()
        {
            lock (_byKey)
            {
                var text = string.Join("; ", _byKey.OrderByDescending(k => k.Value.Ticks).Take(30).Select(k => $"{k.Key} {k.Value.Bytes / 1048576.0:0.00} MB/{k.Value.Ticks}"));
                _byKey.Clear();
                return text;
            }
        }

        protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(source, System.Diagnostics.Tracing.EventLevel.Verbose, (System.Diagnostics.Tracing.EventKeywords)(Environment.GetEnvironmentVariable("HYDRA_BENCH_JIT") == "1" ? 0x10 : 0x1));
            }
        }

        protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs e)
        {
            object? Field(string field) => e.PayloadNames!.IndexOf(field) is var i and >= 0 ? e.Payload![i] : null;
            if (e.EventName is { } load && load.StartsWith("MethodLoadVerbose", StringComparison.Ordinal))
            {
                var ns = (string)Field("MethodNamespace")!;
                var owner = ns.Length > 90 ? ns[..90] : ns;
                var tier = (Convert.ToInt64(Field("MethodFlags"), CultureInfo.InvariantCulture) >> 7) & 7;
                var jitKey = $"tier{tier} {owner}";
                var bytes = Convert.ToInt64(Field("MethodSize"), CultureInfo.InvariantCulture);
                lock (_byKey)
                {
                    _byKey[jitKey] = _byKey.TryGetValue(jitKey, out var j) ? (j.Bytes + bytes, j.Ticks + 1) : (bytes, 1);
                    _byKey["all"] = _byKey.TryGetValue("all", out var a) ? (a.Bytes + bytes, a.Ticks + 1) : (bytes, 1);
                }

                return;
            }

            if (e.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.PayloadNames is null)
            {
                return;
            }

            var kind = Convert.ToInt32(Field("AllocationKind"), CultureInfo.InvariantCulture) switch { 0 => "SOH", 1 => "LOH", _ => "POH" };
            var amount = Convert.ToInt64(Field("AllocationAmount64") ?? Field("AllocationAmount"), CultureInfo.InvariantCulture);
            var size = Field("ObjectSize") is { } o ? Convert.ToInt64(o, CultureInfo.InvariantCulture) : 0;
            var key = kind == "SOH" ? $"SOH {Field("TypeName")}" : $"{kind} {Field("TypeName")} {size / 1024} KB";
            lock (_byKey)
            {
                _byKey[key] = _byKey.TryGetValue(key, out var v) ? (v.Bytes + amount, v.Ticks + 1) : (amount, 1);
            }
        }
    }

    private static double Peaked(List<double> peaks, WorkerProcess process, double seconds)
    {
        peaks.Add(Megabytes(process.Ask("peak-reset")));
        return seconds;
    }

    private static double Megabytes(string reply) => double.Parse(reply.Split(' ')[0], CultureInfo.InvariantCulture);

    private static string Highest(List<double> peaks) => peaks.Count > 0 ? $"{peaks.Max():0.0} MB [{string.Join(" ", peaks.Select(p => p.ToString("0.0", CultureInfo.InvariantCulture)))}]" : "-";

    /// <summary>
    /// Where the worker's resident memory is: anonymous (heaps, stacks, native allocations) or
    /// mapped files (code), and how much of it the GC holds.
    /// </summary>
    private static string MemorySummary()
    {
        var info = GC.GetGCMemoryInfo();
        var generations = string.Join("/", Enumerable.Range(0, info.GenerationInfo.Length).Select(g => $"{info.GenerationInfo[g].SizeAfterBytes / 1048576.0:0.0}"));
        return FormattableString.Invariant($"RSS {Status("VmRSS")}: anonymous {Status("RssAnon")}, files {Status("RssFile")}; GC heap {info.HeapSizeBytes / 1048576.0:0.0} MB (gen0/1/2/LOH/POH {generations}), committed {info.TotalCommittedBytes / 1048576.0:0.0} MB, {Process.GetCurrentProcess().Threads.Count} threads");
    }

    private static int? EnvInt(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static string Status(string field) =>
        File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal)).Split(':')[1].Trim() is var kb
        && long.TryParse(kb.Split(' ')[0], out var value) ? $"{value / 1024.0:0.0} MB" : "?";

    /// <summary>
    /// The worker's GC so far. At the baseline it has usually not collected once, so its heap has not
    /// yet grown to the gen0 budget every later collection keeps (about 16 MB with a 32 MB L3 cache).
    /// </summary>
    private static string GcSummary()
    {
        var info = GC.GetGCMemoryInfo();
        return FormattableString.Invariant($"GC: {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)} collections of gen0/1/2, {GC.GetTotalAllocatedBytes() / 1048576.0:0} MB allocated, {info.TotalCommittedBytes / 1048576.0:0.0} MB committed, {GC.GetTotalPauseDuration().TotalMilliseconds:0} ms paused");
    }

    private static double Seconds(string reply) =>
        double.TryParse(reply.Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) ? seconds : throw new InvalidOperationException("worker: " + reply);

    /// <summary>Context switches of this process's live threads so far (voluntary and not).</summary>
    private static long ContextSwitches() =>
        Directory.GetDirectories("/proc/self/task").Sum(task =>
        {
            try
            {
                return File.ReadLines(Path.Combine(task, "status")).Where(l => l.Contains("ctxt_switches:", StringComparison.Ordinal)).Sum(l => long.Parse(l.Split(':')[1].Trim(), CultureInfo.InvariantCulture));
            }
            catch (IOException)
            {
                return 0L; // the thread ended meanwhile
            }
        });

    /// <summary>The worker's CPU seconds for its last copy (all threads), from its reply.</summary>
    private static double CpuSeconds(string reply) =>
        double.Parse(reply.Split(' ')[1], NumberStyles.Float, CultureInfo.InvariantCulture);

    private static double Scp(SshServer server, string from, string to, bool upload)
    {
        var arguments = new List<string>
        {
            "-q", "-i", server.KeyFile, "-P", server.Port.ToString(CultureInfo.InvariantCulture),
            "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
        };
        var remote = SshServer.UserName + "@127.0.0.1:";
        arguments.Add(upload ? from : remote + from);
        arguments.Add(upload ? remote + to : to);
        var clock = Stopwatch.StartNew();
        var childCpu = ReapedChildrenCpuSeconds();
        ExternalCommand.Run("scp", arguments, timeoutSeconds: 3600);
        ScpCpu[upload ? "scp up" : "scp down"].Add(ReapedChildrenCpuSeconds() - childCpu);
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Seconds to hash scp's copies where they landed (over ssh for the remote one), per direction.</summary>
    private static readonly Dictionary<string, List<double>> HashTimes = new() { ["up"] = new(), ["down"] = new() };

    private static double Hash(SshServer server, string path, bool remote)
    {
        var clock = Stopwatch.StartNew();
        if (remote)
        {
            ExternalCommand.Run("ssh", new[]
            {
                "-q", "-i", server.KeyFile, "-p", server.Port.ToString(CultureInfo.InvariantCulture),
                "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                SshServer.UserName + "@127.0.0.1", "openssl dgst -sha256 '" + path + "'",
            }, timeoutSeconds: 600);
        }
        else
        {
            ExternalCommand.Run("openssl", new[] { "dgst", "-sha256", path }, timeoutSeconds: 600);
        }

        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>The worker's context switches per copy, both directions: thread hand-offs are most of what the client pays beyond scp.</summary>
    private static readonly List<double> Switches = new();

    /// <summary>CPU seconds of scp and the ssh it runs, per direction (this process's reaped children).</summary>
    private static readonly Dictionary<string, List<double>> ScpCpu = new() { ["scp up"] = new(), ["scp down"] = new() };

    /// <summary>User + system time of this process's waited-for children (/proc/self/stat cutime, cstime; 100 ticks a second).</summary>
    private static double ReapedChildrenCpuSeconds()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static string CreateRandomFile(string path, long size)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            var buffer = new byte[1 << 20];
            for (long done = 0; done < size; done += buffer.Length)
            {
                RandomNumberGenerator.Fill(buffer);
                var length = (int)Math.Min(buffer.Length, size - done);
                file.Write(buffer, 0, length);
                sha.AppendData(buffer, 0, length);
            }
        }

        // Copy-HydraDump verifies against the manifest beside the archive: give the random bytes one.
        var hash = Convert.ToHexStringLower(sha.GetHashAndReset());
        File.WriteAllText(path + ".manifest.json", $$"""{ "manifestVersion": 1, "createdBy": "benchmark", "createdUtc": "2026-01-01T00:00:00Z", "archive": { "format": "Custom", "fileName": "{{Path.GetFileName(path)}}", "sizeBytes": {{size}}, "sha256": "{{hash}}", "files": [], "pgDumpVersion": "15" }, "source": { "host": "h", "port": 5432, "database": "d", "serverVersion": "15", "serverVersionNum": 150000, "encoding": "UTF8" }, "options": {}, "extensions": [], "tables": [], "databaseSettings": [], "roles": [] }""");
        return hash;
    }

    private static double Timed(List<double> cpu, string reply)
    {
        cpu.Add(CpuSeconds(reply));
        Switches.Add(double.Parse(reply.Split(' ')[2], CultureInfo.InvariantCulture));
        return Seconds(reply);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Rate(long bytes, double seconds) => $"{bytes / seconds / 1048576:0} MB/s";

    private static WorkerProcess StartWorker(SshServer server, Dictionary<string, string> environment) =>
        new(Environment.ProcessPath!, new[] { WorkerMode, server.Port.ToString(CultureInfo.InvariantCulture), server.KeyFile, server.HostKeyFingerprint }, environment);

    private sealed class Disposables(IEnumerable<IDisposable> items) : IDisposable
    {
        public void Dispose()
        {
            foreach (var item in items)
            {
                item.Dispose();
            }
        }
    }

    /// <summary>This program in worker mode: one request per line on stdin, one reply per line on stdout.</summary>
    private sealed class WorkerProcess : IDisposable
    {
        private readonly Process _process;

        public WorkerProcess(string file, IEnumerable<string> arguments, Dictionary<string, string> environment)
        {
            var info = new ProcessStartInfo(file) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var (name, value) in environment)
            {
                info.Environment[name] = value;
            }

            foreach (var argument in arguments)
            {
                info.ArgumentList.Add(argument);
            }

            _process = Process.Start(info)!;
        }

        public string Ask(string request)
        {
            _process.StandardInput.WriteLine(request);
            _process.StandardInput.Flush();
            var reply = _process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the copy worker died");
            return reply.StartsWith("error ", StringComparison.Ordinal) ? throw new InvalidOperationException("copy worker: " + reply) : reply;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }

            _process.Dispose();
        }
    }
}
