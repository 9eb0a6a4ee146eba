using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Dump;

/// <summary>Ctrl+C, a full disk, and the password: what must never go wrong while a dump runs.</summary>
[Collection(PostgresCollection.Name)]
public sealed class DumpSafetyTests : IDisposable
{
    private const string DumpCmd = "HydraMigration.Commands.NewHydraDumpCommand";
    private readonly PostgresFixture _pg;
    private readonly PowerShellSession _ps = new();

    public DumpSafetyTests(PostgresFixture pg) => _pg = pg;

    public void Dispose() => _ps.Dispose();

    // The module runs in this process, so its private temp folders are hydra-<this pid>-<guid>;
    // other processes on a shared machine (benchmarks, a second test run) make their own.
    private static readonly string OwnTempFolders = "hydra-" + Environment.ProcessId + "-*";

    [Fact]
    public void CtrlCMidDumpKillsPgDumpAndLeavesNothing()
    {
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Big);
        var folder = _pg.NewFolder("ctrlc");
        using var running = _ps.Start("New-HydraDump -Connection $src -Path $args[0]", Path.Combine(folder, "big.dump"));

        // Wait until pg_dump is writing table data into its temporary file, then press Ctrl+C.
        Assert.True(running.WaitUntil(() => Directory.GetFiles(folder).Any(f => new FileInfo(f).Length > 1_000_000), TimeSpan.FromSeconds(120)), "pg_dump never started writing");
        Assert.True(PgDumpProcesses(folder).Any(), "pg_dump should be running");
        var took = running.Stop();
        running.Wait();

        Assert.True(running.WasStopped);
        Assert.True(took < TimeSpan.FromSeconds(15), "stopping took " + took);
        Assert.Empty(DumpFiles.Everything(folder));
        Assert.Empty(PgDumpProcesses(folder));
        Assert.True(Poll.Until(() => _pg.Source.Count("postgres", "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'HydraMigration'") == 0), "the snapshot and pg_dump sessions should be gone");
    }

    [Fact]
    public void TheHydraDumpPasswordNeverReachesACommandLineAnEnvironmentAFileOrAMessage()
    {
        var password = "Sekrit-" + Guid.NewGuid().ToString("N");
        _pg.Source.Execute("postgres", $"DROP ROLE IF EXISTS dump_user; CREATE ROLE dump_user LOGIN PASSWORD '{password}' IN ROLE pg_read_all_data;");
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Big, user: "dump_user", password: password);
        var folder = _pg.NewFolder("secret");
        var tempBefore = Directory.GetDirectories(Path.GetTempPath(), OwnTempFolders).ToHashSet();

        using var running = _ps.Start("New-HydraDump -Connection $src -Path $args[0] -Verbose", Path.Combine(folder, "big.dump"));
        var sawPgDump = false;
        var leaks = new List<string>();
        while (!running.IsCompleted)
        {
            foreach (var process in Directory.GetDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
            {
                var commandLine = Leftovers.Read(Path.Combine(process, "cmdline"));
                sawPgDump |= commandLine.Contains("pg_dump", StringComparison.Ordinal) && commandLine.Contains(folder, StringComparison.Ordinal);
                if (commandLine.Contains(password, StringComparison.Ordinal) || Leftovers.Read(Path.Combine(process, "environ")).Contains(password, StringComparison.Ordinal))
                {
                    leaks.Add(commandLine);
                }
            }

            System.Threading.Thread.Sleep(25);
        }

        var result = running.Wait();
        Assert.Empty(result.Errors);
        Assert.True(sawPgDump, "the scan should have seen pg_dump running");

        // The 2M-row table is large enough to be counted in paced page ranges while pg_dump runs.
        Assert.Equal(2_000_000, DumpFiles.RowCount(DumpFiles.Table(DumpFiles.Manifest(Path.Combine(folder, "big.dump")), "public", "payload")));
        Assert.Empty(leaks);
        Assert.DoesNotContain(password, result.AllText(), StringComparison.Ordinal);
        foreach (var file in DumpFiles.Everything(folder))
        {
            Assert.False(File.ReadAllText(file).Contains(password, StringComparison.Ordinal), file + " holds the password");
        }

        // The private passfile folder is gone too.
        var leftOver = Directory.GetDirectories(Path.GetTempPath(), OwnTempFolders).Where(d => !tempBefore.Contains(d)).ToList();
        Assert.True(leftOver.Count == 0, "left behind: " + string.Join(", ", leftOver));
    }

    [Fact]
    public void AFullDiskFailsCleanly()
    {
        Assert.True(ExternalCommand.IsRoot, "this test mounts a small tmpfs and needs root (CI runs as root)");
        var mount = _pg.NewFolder("fulldisk");
        ExternalCommand.Run("mount", new[] { "-t", "tmpfs", "-o", "size=64k", "tmpfs", mount });
        try
        {
            Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
            var result = _ps.Run("New-HydraDump -Connection $src -Path $args[0] -Compression 0", Path.Combine(mount, "shop.dump"));
            var error = Assert.Single(result.Errors);
            Assert.Equal("DumpDiskFull," + DumpCmd, error.FullyQualifiedErrorId);
            Assert.Contains("No space left on device", error.Exception.Message, StringComparison.Ordinal);
            Assert.Empty(DumpFiles.Everything(mount));
        }
        finally
        {
            ExternalCommand.Run("umount", new[] { mount }, check: false);
        }
    }

    private static IEnumerable<string> PgDumpProcesses(string folder) => Leftovers.Processes("pg_dump", folder);
}
