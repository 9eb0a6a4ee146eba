using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using HydraMigration.Tests.Dump;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Faults;

/// <summary>
/// The host process told to go (SIGTERM, SIGHUP), killed outright (SIGKILL), and an SSH link cut
/// mid-dump: no pg_dump or pg_restore of the run is left running, no private folder stays, and no
/// file anywhere holds the password. Each pwsh gets a TMPDIR of its own, so what it leaves there
/// is exactly what the module left.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ProcessFaultTests : IDisposable
{
    private const string DumpCmd = ",HydraMigration.Commands.NewHydraDumpCommand";
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(180);
    private readonly PostgresFixture _pg;
    private readonly SshFixture _ssh;
    private readonly PowerShellSession _ps = new();

    public ProcessFaultTests(PostgresFixture pg, SshFixture ssh)
    {
        _pg = pg;
        _ssh = ssh;
    }

    public void Dispose()
    {
        _ps.Run("Get-HydraSshSession | Remove-HydraSshSession");
        _ps.Dispose();
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("HUP")]
    public void ASignalledPwshStopsItsLocalDumpAndLeavesNothing(string signal)
    {
        var folder = _pg.NewFolder("sig-dump");
        var tmp = _pg.NewFolder("sig-tmp");
        using var pwsh = Pwsh.Start(ConnectScript + "New-HydraDump -Connection $src -Path $env:T_OUT\n'finished'", Environment(tmp, _pg.Source, _pg.Big, Path.Combine(folder, "big.dump")));
        WaitForArchiveBytes(pwsh, folder);
        Assert.NotEmpty(Tools("pg_dump", folder));
        Assert.Single(PrivateFolders(tmp)); // the passfile's folder, while pg_dump runs

        pwsh.Signal(signal);

        var clock = Stopwatch.StartNew();
        Assert.True(pwsh.WaitForExit(TimeSpan.FromSeconds(60)), "pwsh did not end after SIG" + signal);
        Assert.False(pwsh.Output.Contains("finished", StringComparison.Ordinal), "the dump went on after SIG" + signal + " (" + clock.Elapsed + "):\n" + pwsh.Output + pwsh.Errors);
        Assert.True(Poll.Until(() => Tools("pg_dump", folder).Count == 0), "pg_dump outlived pwsh: " + string.Join("\n", Tools("pg_dump", folder)));
        Assert.Empty(DumpFiles.Everything(folder));
        Assert.Empty(PrivateFolders(tmp));
        AssertNoFileHolds(_pg.Source.SuperPassword, tmp, folder);
    }

    [Fact]
    public void SigkillOfPwshMidDumpStillEndsPgDumpAndRemovesThePassfileAndThePartialArchive()
    {
        var folder = _pg.NewFolder("kill-dump");
        var tmp = _pg.NewFolder("kill-tmp");
        using var pwsh = Pwsh.Start(ConnectScript + "New-HydraDump -Connection $src -Path $env:T_OUT", Environment(tmp, _pg.Source, _pg.Big, Path.Combine(folder, "big.dump")));
        WaitForArchiveBytes(pwsh, folder);

        pwsh.Signal("KILL");

        // Nothing in pwsh ran: the guard saw its input pipe close and cleaned up by itself.
        Assert.True(pwsh.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.True(Poll.Until(() => Tools("pg_dump", folder).Count == 0), "pg_dump outlived a SIGKILLed pwsh");
        Assert.True(Poll.Until(() => PrivateFolders(tmp).Count == 0 && DumpFiles.Everything(folder).Length == 0), "left: " + string.Join(", ", PrivateFolders(tmp).Concat(DumpFiles.Everything(folder))));
        AssertNoFileHolds(_pg.Source.SuperPassword, tmp, folder);
    }

    [Fact]
    public void WhatAWholeKilledProcessTreeLeftIsRemovedByTheNextDumpWhichSaysSo()
    {
        var folder = _pg.NewFolder("tree-dump");
        var tmp = _pg.NewFolder("tree-tmp");
        var environment = Environment(tmp, _pg.Source, _pg.Big, Path.Combine(folder, "big.dump"));
        int deadPwsh;
        using (var pwsh = Pwsh.Start(ConnectScript + "New-HydraDump -Connection $src -Path $env:T_OUT", environment))
        {
            WaitForArchiveBytes(pwsh, folder);
            deadPwsh = pwsh.EngineId;

            // A cgroup-wide SIGKILL (an OOM kill, systemd's KillMode=control-group): the guard dies too.
            var tree = Descendants(pwsh.Id).Append(pwsh.Id).Select(p => p.ToString(CultureInfo.InvariantCulture));
            ExternalCommand.Run("kill", new[] { "-KILL" }.Concat(tree), check: false);
            Assert.True(pwsh.WaitForExit(TimeSpan.FromSeconds(30)));
        }

        Assert.True(Poll.Until(() => Tools("pg_dump", folder).Count == 0), "pg_dump survived the SIGKILL of its tree");
        var leftover = Assert.Single(PrivateFolders(tmp));
        Assert.StartsWith("hydra-" + deadPwsh.ToString(CultureInfo.InvariantCulture) + "-", Path.GetFileName(leftover), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(leftover, "pgpass")), "the dead run's passfile should be there to sweep");

        // The next dump, by a new process, sweeps it first and warns.
        var next = Pwsh.Run(ConnectScript + "New-HydraDump -Connection $src -Path $env:T_OUT -WarningVariable w -WarningAction SilentlyContinue | Out-Null\n'warning: ' + ($w -join ' | ')",
            Environment(tmp, _pg.Source, _pg.Sample, Path.Combine(folder, "next.dump")));
        Assert.True(next.ExitCode == 0, next.Output + next.Errors);
        Assert.Contains("Removed '" + leftover + "'", next.Output, StringComparison.Ordinal);
        Assert.Contains("process " + deadPwsh.ToString(CultureInfo.InvariantCulture), next.Output, StringComparison.Ordinal);
        Assert.Contains("password file", next.Output, StringComparison.Ordinal);
        Assert.Empty(PrivateFolders(tmp));
        AssertNoFileHolds(_pg.Source.SuperPassword, tmp);
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("HUP")]
    public void ASignalledPwshStopsItsRestoreAndDropsTheDatabaseItCreatedAndItsPassfile(string signal)
    {
        var archive = BigArchive();
        var tmp = _pg.NewFolder("sig-restore-tmp");
        var database = _pg.NewDatabaseName("sigrestore");
        using var pwsh = Pwsh.Start(ConnectScript + "Restore-HydraDump -Path $env:T_OUT -Connection $src -CreateDatabase\n'finished'", Environment(tmp, _pg.Target, database, archive));

        // pg_restore is loading table data into the new database.
        Assert.True(Poll.Until(() => pwsh.HasExited || (Tools("pg_restore", archive).Count > 0 && DatabaseHasRows(database)), Generous), "the restore never got to the data: " + pwsh.Output + pwsh.Errors);
        Assert.False(pwsh.HasExited, pwsh.Output + pwsh.Errors);
        Assert.Single(PrivateFolders(tmp));

        pwsh.Signal(signal);

        Assert.True(pwsh.WaitForExit(TimeSpan.FromSeconds(60)), "pwsh did not end after SIG" + signal);
        Assert.DoesNotContain("finished", pwsh.Output, StringComparison.Ordinal);
        Assert.True(Poll.Until(() => Tools("pg_restore", archive).Count == 0), "pg_restore outlived pwsh");
        Assert.Empty(PrivateFolders(tmp));
        AssertNoFileHolds(_pg.Target.SuperPassword, tmp);

        // The half-restored database this restore created is dropped again on the way out.
        var left = Poll.Until(() => _pg.Target.Count("postgres", "SELECT count(*) FROM pg_database WHERE datname = '" + database + "'") == 0);
        _pg.Target.Execute("postgres", "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        Assert.True(left, "the half-restored database " + database + " outlived the signalled restore: " + pwsh.Output + pwsh.Errors);
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("HUP")]
    public void ASignalledPwshStopsALocalCopyLeavingOnlyResumableData(string signal)
    {
        var folder = _pg.NewFolder("sig-copy");
        var source = Path.Combine(folder, "source", "big.dump");
        BigFile(source, 768);
        var destination = Path.Combine(folder, "copy.dump");
        var tmp = _pg.NewFolder("sig-copy-tmp");
        var environment = Environment(tmp, _pg.Source, _pg.Sample, destination);
        environment["T_SOURCE"] = source;
        using var pwsh = Pwsh.Start(ConnectScript + "Copy-HydraDump -Path $env:T_SOURCE -Destination $env:T_OUT\n'finished'", environment);
        Assert.True(Poll.Until(() => pwsh.HasExited || Length(destination + ".hydra-partial") > 32 << 20, Generous), "the copy never got going: " + pwsh.Output + pwsh.Errors);
        Assert.False(pwsh.HasExited, "the copy ended before the signal: " + pwsh.Output + pwsh.Errors);

        pwsh.Signal(signal);

        Assert.True(pwsh.WaitForExit(TimeSpan.FromSeconds(60)), "pwsh did not end after SIG" + signal);
        Assert.DoesNotContain("finished", pwsh.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(destination), "a copy cut off must not appear under its final name");
        Assert.False(File.Exists(destination + ".manifest.json"));
        Assert.InRange(Length(destination + ".hydra-partial"), 0, new FileInfo(source).Length - 1);
    }

    [Fact]
    public void ADroppedSshLinkMidDumpLeavesNoPgDumpNoPasswordAndNoPartialOnTheHost()
    {
        var server = _ssh.Server;
        var local = _pg.NewFolder("drop-local");
        var remote = server.NewRemoteFolder("drop");
        SshLogin.Open(_ps, "s", server, local);
        Credentials.Connect(_ps, "big", _pg.Source, _pg.Big);
        var before = RemotePrivateFolders();

        using var running = _ps.Start("New-HydraDump -Connection $big -SshSession $s -Path $args[0]", remote + "/big.dump");
        Assert.True(running.WaitUntil(() => Directory.GetFileSystemEntries(remote).Any(f => Length(f) > 1_000_000), Generous), "pg_dump never started writing on the SSH host");
        Assert.NotEmpty(Tools("pg_dump", remote));
        var folder = Assert.Single(RemotePrivateFolders().Except(before));
        Assert.True(File.Exists(Path.Combine(folder, "pgpass")));

        server.DropLinks();
        var result = running.Wait();

        var error = Assert.Single(result.Errors);
        Assert.True("SshConnectionLost" + DumpCmd == error.FullyQualifiedErrorId, error.FullyQualifiedErrorId + ": " + error.Exception);
        Assert.Contains("Nothing of it is left on the SSH host", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains(folder, error.Exception.Message, StringComparison.Ordinal);
        Assert.True(Poll.Until(() => Tools("pg_dump", remote).Count == 0), "pg_dump still runs on the SSH host: " + string.Join("\n", Tools("pg_dump", remote)));
        Assert.True(Poll.Until(() => !Directory.Exists(folder) && Directory.GetFileSystemEntries(remote).Length == 0), "left on the SSH host: " + string.Join(", ", Directory.GetFileSystemEntries(remote).Append(Directory.Exists(folder) ? folder : "")));
        AssertNoFileHolds(_pg.Source.SuperPassword, remote);
        AssertNoFileHolds(_pg.Source.SuperPassword, RemotePrivateFolders().ToArray());
        Assert.DoesNotContain(Directory.GetFileSystemEntries(local), f => !f.EndsWith("known_hosts", StringComparison.Ordinal));
    }

    [Fact]
    public void ARemoteDumpSweepsThePrivateFolderADeadGuardLeftOnTheHost()
    {
        var server = _ssh.Server;
        var local = _pg.NewFolder("sweep-local");
        var remote = server.NewRemoteFolder("sweep");
        SshLogin.Open(_ps, "s", server, local);
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);

        // What a guard killed outright leaves: its folder, named for its pid, with a passfile.
        var deadPid = Enumerable.Range(3_000_000, 1000).First(p => !Directory.Exists("/proc/" + p.ToString(CultureInfo.InvariantCulture)));
        var leftover = Path.Combine(Path.GetTempPath(), "hydra-" + deadPid.ToString(CultureInfo.InvariantCulture) + "-Ab3dE6gH");
        ExternalCommand.Run("runuser", new[] { "-u", SshServer.UserName, "--", "sh", "-c", "umask 077 && mkdir \"$0\" && echo '*:*:*:*:old-secret' > \"$0/pgpass\"", leftover });
        // A folder whose guard (a process of the SSH user) still runs is left alone.
        using var guard = Process.Start("runuser", new[] { "-u", SshServer.UserName, "--", "sleep", "120" });
        Assert.True(Poll.Until(() => ExternalCommand.Run("pgrep", new[] { "-P", guard.Id.ToString(CultureInfo.InvariantCulture) }, check: false).Trim().Length > 0));
        var guardPid = ExternalCommand.Run("pgrep", new[] { "-P", guard.Id.ToString(CultureInfo.InvariantCulture) }, check: false).Trim();
        var living = Path.Combine(Path.GetTempPath(), "hydra-" + guardPid + "-Zz9yX8wV");
        ExternalCommand.Run("runuser", new[] { "-u", SshServer.UserName, "--", "mkdir", "-m", "700", living });
        try
        {
            var result = _ps.Run("New-HydraDump -Connection $src -SshSession $s -Path $args[0]", remote + "/shop.dump");
            Assert.Empty(result.Errors);
            Assert.Contains(result.Warnings, w => w.Contains("Removed '" + leftover + "' on the SSH host", StringComparison.Ordinal));
            Assert.False(Directory.Exists(leftover));
            Assert.True(Directory.Exists(living));
        }
        finally
        {
            ExternalCommand.Run("rm", new[] { "-rf", leftover, living }, check: false);
            guard.Kill(entireProcessTree: true);
        }
    }

    /// <summary>Imports the module and sets $src from the T_* variables (the password never on a command line).</summary>
    private const string ConnectScript = @"$ErrorActionPreference = 'Stop'
Import-Module $env:HYDRA_MODULE
$cred = [pscredential]::new('postgres', (ConvertTo-SecureString $env:T_PASSWORD -AsPlainText -Force))
$src = New-HydraConnection -HostName 127.0.0.1 -Port $env:T_PORT -Database $env:T_DATABASE -Credential $cred
";

    private static Dictionary<string, string> Environment(string tmp, PostgresCluster cluster, string database, string output) => new()
    {
        ["TMPDIR"] = tmp,
        ["T_PASSWORD"] = cluster.SuperPassword,
        ["T_PORT"] = cluster.Port.ToString(CultureInfo.InvariantCulture),
        ["T_DATABASE"] = database,
        ["T_OUT"] = output,
    };

    private static void WaitForArchiveBytes(PwshProcess pwsh, string folder) =>
        Assert.True(Poll.Until(() => pwsh.HasExited || DumpFiles.Everything(folder).Any(f => Length(f) > 1_000_000), Generous) && !pwsh.HasExited, "pg_dump never started writing: " + pwsh.Output + pwsh.Errors);

    /// <summary>A custom-format dump of the big database, made once per run.</summary>
    private string BigArchive() => _pg.Shared("process-faults-big-archive", () =>
    {
        var path = Path.Combine(_pg.NewFolder("big-archive"), "big.dump");
        Credentials.Connect(_ps, "bigsrc", _pg.Source, _pg.Big);
        var made = _ps.Run("New-HydraDump -Connection $bigsrc -Path $args[0] -Compression 0", path);
        Assert.Empty(made.Errors);
        return path;
    });

    /// <summary>pg_restore is copying table data into <paramref name="database"/>.</summary>
    private bool DatabaseHasRows(string database) =>
        _pg.Target.Count("postgres", "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + database + "' AND query LIKE 'COPY %'") > 0;

    private static void BigFile(string path, int mebibytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Ssh.RandomArchive.Make(Path.GetDirectoryName(path)!, Path.GetFileName(path), mebibytes);
    }

    private static long Length(string path) => File.Exists(path) ? new FileInfo(path).Length : -1;

    /// <summary>The module's private folders in <paramref name="tmp"/> (hydra-PID-GUID).</summary>
    private static List<string> PrivateFolders(string tmp) =>
        Directory.GetDirectories(tmp, "hydra-*").ToList();

    /// <summary>The SSH user's private folders in its temp folder (/tmp: sshd passes no TMPDIR).</summary>
    private static List<string> RemotePrivateFolders() =>
        Directory.GetDirectories("/tmp", "hydra-*-*")
            .Where(d => Path.GetFileName(d).Split('-') is [_, var pid, _] && pid.All(char.IsAsciiDigit))
            .Where(d => ExternalCommand.Run("stat", new[] { "-c", "%U", d }, check: false).Trim() == SshServer.UserName)
            .ToList();

    /// <summary>Running processes of <paramref name="tool"/> (or guards running it) whose command line names <paramref name="marker"/>.</summary>
    private static List<string> Tools(string tool, string marker) => Leftovers.Processes(tool, marker);

    private static IEnumerable<int> Descendants(int pid)
    {
        var children = ExternalCommand.Run("pgrep", new[] { "-P", pid.ToString(CultureInfo.InvariantCulture) }, check: false)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(int.Parse)
            .ToList();
        return children.Concat(children.SelectMany(Descendants)).ToList();
    }

    private static void AssertNoFileHolds(string secret, params string[] folders) =>
        Assert.Empty(Leftovers.FilesHolding(secret, folders));
}
