using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using HydraMigration.Tests.Harness;
using static HydraMigration.Tests.Migration.MigrationAssertions;

namespace HydraMigration.Tests.Migration;

/// <summary>
/// Invoke-HydraMigration through the real engine against the test clusters and sshd: the seed's
/// flow over SSH with its report (rendered by headless Chromium), -WhatIf and a failing
/// preflight that write nothing, and a failure injected in a step followed by -Resume, whose
/// report shows both attempts.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class InvokeHydraMigrationTests : IDisposable
{
    private readonly PostgresFixture _pg;
    private readonly SshServer _server;
    private readonly PowerShellSession _ps = new();
    private readonly string _local;

    public InvokeHydraMigrationTests(PostgresFixture pg, SshFixture ssh)
    {
        _pg = pg;
        _server = ssh.Server;
        _local = pg.NewFolder("migration");
    }

    public void Dispose()
    {
        _ps.Run("Get-HydraSshSession | Remove-HydraSshSession");
        _ps.Dispose();
    }

    [Fact]
    public void TheSeedFlowOverSshMigratesProvesAndReportsWithoutASecret()
    {
        var remote = _server.NewRemoteFolder("migration");
        var target = _pg.NewDatabaseName("mig_ssh");
        var work = Path.Combine(_local, "work");
        var html = Path.Combine(_local, "reports", "report.html");
        SshLogin.Open(_ps, "s", _server, _local);
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
        Credentials.Connect(_ps, "dst", _pg.Target, target);

        var run = _ps.Run("Invoke-HydraMigration -Source $src -Target $dst -SourceSshSession $s -RemotePath $args[0] -WorkFolder $args[1] -ReportPath $args[2] -Jobs 2", remote, work, html);

        Assert.True(run.Errors.Count == 0, Errors(run));
        var report = Report(run);
        Assert.True(report.Succeeded, string.Join("\n", report.Failures.Select(f => f.Step + ": " + f.Message)));
        Assert.Equal(new[] { "Dump", "Copy", "Create", "Restore", "Validate" }, report.Steps.Select(s => s.Name));
        Assert.All(report.Steps, s => Assert.Equal(HydraMigrationStepStatus.Succeeded, s.Status));
        Assert.All(report.Steps, s => Assert.Single(s.Attempts));
        Assert.True(Step(report, "Copy").Bytes > 0 && Step(report, "Copy").BytesPerSecond > 0);
        Assert.Equal(0, report.Validation!.Failed);
        Assert.True(report.Validation.Passed > 10);
        Assert.Contains(report.Carried.ColumnarOptions, o => o.StartsWith("sales.events: compression=lz4", StringComparison.Ordinal));
        Assert.Contains(report.Carried.Settings, s => s.StartsWith("default_table_access_method", StringComparison.Ordinal));
        Assert.StartsWith("15.", report.Versions.SourceServer, StringComparison.Ordinal);
        Assert.StartsWith("15.", report.Versions.PgRestore, StringComparison.Ordinal);
        Assert.Equal(SampleDatabase.OrderLines, _pg.Target.Count(target, "SELECT count(*) FROM sales.\"order lines\""));

        // The archive is gone from both hosts once proven (no -KeepArchive); the journal stays.
        Assert.Empty(Directory.GetFileSystemEntries(remote));
        Assert.Equal(new[] { "journal.json" }, Directory.GetFileSystemEntries(work).Select(Path.GetFileName));
        var json = Json(html);
        Assert.True(json.GetProperty("succeeded").GetBoolean());
        Assert.Equal(5, json.GetProperty("steps").GetArrayLength());
        Assert.Empty(Leftovers.FilesHolding(_pg.Source.SuperPassword, _local, remote));
        Assert.Empty(Leftovers.FilesHolding(_pg.Target.SuperPassword, _local, remote));

        // What a person opens: the summary, every step, no failure section.
        var dom = Chromium.DumpDom(html);
        Assert.Contains("id=\"summary\"", dom, StringComparison.Ordinal);
        Assert.Contains(">Succeeded</span>", dom, StringComparison.Ordinal);
        foreach (var step in report.Steps)
        {
            Assert.Contains("id=\"step-" + step.Name + "\"", dom, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("id=\"failures\"", dom, StringComparison.Ordinal);
        var png = Path.Combine(_local, "report.png");
        Chromium.Screenshot(html, png, 1400);
        Assert.True(new FileInfo(png).Length > 10_000);
        CopyForDocs(html, png);

        // Run again with -Resume: the journal says it is complete, and nothing runs twice.
        var again = _ps.Run("Invoke-HydraMigration -Source $src -Target $dst -SourceSshSession $s -RemotePath $args[0] -WorkFolder $args[1] -Resume", remote, work);
        Assert.True(again.Errors.Count == 0, Errors(again));
        Assert.All(Report(again).Steps, s => Assert.Single(s.Attempts));

        // Without -Resume, a work folder with a journal is refused: it may be another migration's.
        var refused = _ps.Run("Invoke-HydraMigration -Source $src -Target $dst -SourceSshSession $s -RemotePath $args[0] -WorkFolder $args[1]", remote, work);
        Assert.Contains("MigrationJournalExists,HydraMigration.Commands.InvokeHydraMigrationCommand", refused.ErrorIds);
    }

    [Fact]
    public void WhatIfEmitsThePlanAndWritesNothing()
    {
        var target = _pg.NewDatabaseName("mig_whatif");
        var work = Path.Combine(_local, "work");
        var html = Path.Combine(_local, "report.html");
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
        Credentials.Connect(_ps, "dst", _pg.Target, target);

        var run = _ps.Run("Invoke-HydraMigration -Source $src -Target $dst -WorkFolder $args[0] -ReportPath $args[1] -WhatIf", work, html);

        Assert.True(run.Errors.Count == 0, Errors(run));
        var plan = run.Single<HydraMigrationPlan>();
        Assert.True(plan.CanRun);
        Assert.Equal(new[] { "Dump", "Copy", "Create", "Restore", "Validate" }, plan.Steps.Select(s => s.Name));
        Assert.False(plan.Steps.Single(s => s.Name == "Copy").WillRun); // pg_dump writes here
        Assert.True(plan.Steps.Single(s => s.Name == "Dump").EstimatedBytes > 0);
        Assert.Contains(plan.Checks, c => c.Name == "Target" && c.Passed && c.Detail.Contains("preflight passed", StringComparison.Ordinal));
        Assert.Contains(plan.Checks, c => c.Name == "LocalDisk" && c.Passed);
        Assert.False(Directory.Exists(work));
        Assert.False(File.Exists(html));
        Assert.False(DatabaseExists(_pg.Target, target));
    }

    [Fact]
    public void APlanThatFailsItsPreflightWritesNothing()
    {
        // A table owned by a role only the source has: the restore's own preflight says RoleMissing.
        var role = "mig_src_only_" + Guid.NewGuid().ToString("N")[..6];
        var source = _pg.NewDatabaseName("mig_preflight");
        _pg.Source.Execute("postgres", $"CREATE ROLE {role} NOLOGIN");
        _pg.Source.Execute("postgres", $"CREATE DATABASE {source}");
        _pg.Source.Execute(source, $"CREATE TABLE t (id int); ALTER TABLE t OWNER TO {role}; INSERT INTO t VALUES (1)");
        var target = _pg.NewDatabaseName("mig_preflight_dst");
        var work = Path.Combine(_local, "work");
        Credentials.Connect(_ps, "src", _pg.Source, source);
        Credentials.Connect(_ps, "dst", _pg.Target, target);

        var run = _ps.Run("Invoke-HydraMigration -Source $src -Target $dst -WorkFolder $args[0] -ReportPath $args[1]; $?", work, Path.Combine(_local, "r.html"));

        Assert.Contains("RoleMissing,HydraMigration.Commands.InvokeHydraMigrationCommand", run.ErrorIds);
        Assert.Contains(run.Errors, e => e.Exception.Message.Contains(role, StringComparison.Ordinal));
        Assert.False((bool)run.Output.Last().BaseObject); // $? says it failed
        Assert.DoesNotContain(run.Output, o => o.BaseObject is HydraMigrationReport);
        Assert.False(Directory.Exists(work));
        Assert.False(File.Exists(Path.Combine(_local, "r.html")));
        Assert.False(DatabaseExists(_pg.Target, target));
        Assert.Empty(Directory.GetFiles(_local, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void AFailedRestoreIsGivenBackAndResumeRestoresAgainWithBothAttemptsInTheReport()
    {
        // A table in a tablespace the target lacks: the preflight does not know tablespaces, pg_restore fails on it.
        var tablespace = "mig_ts_" + Guid.NewGuid().ToString("N")[..6];
        var source = _pg.NewDatabaseName("mig_restore");
        _pg.Source.Execute("postgres", $"CREATE TABLESPACE {tablespace} LOCATION '{PostgresFolder("ts-src")}'");
        _pg.Source.Execute("postgres", $"CREATE DATABASE {source}");
        _pg.Source.Execute(source, $"CREATE TABLE t (id int PRIMARY KEY, v text) TABLESPACE {tablespace}; INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, 500) g");
        var target = _pg.NewDatabaseName("mig_restore_dst");
        var work = Path.Combine(_local, "work");
        var html = Path.Combine(_local, "report.html");
        Credentials.Connect(_ps, "src", _pg.Source, source);
        Credentials.Connect(_ps, "dst", _pg.Target, target);
        const string migrate = "Invoke-HydraMigration -Source $src -Target $dst -WorkFolder $args[0] -ReportPath $args[1]";

        var failed = _ps.Run(migrate, work, html);

        var first = Report(failed);
        Assert.False(first.Succeeded);
        Assert.Contains("PgRestoreFailed,HydraMigration.Commands.InvokeHydraMigrationCommand", failed.ErrorIds);
        Assert.Equal(HydraMigrationStepStatus.Failed, Step(first, "Restore").Status);
        Assert.Equal(HydraMigrationStepStatus.RolledBack, Step(first, "Create").Status);
        Assert.Equal(HydraMigrationStepStatus.Pending, Step(first, "Validate").Status);
        Assert.False(DatabaseExists(_pg.Target, target)); // the restore's undo dropped what it created
        Assert.True(File.Exists(Path.Combine(work, source + ".dump"))); // kept for the next run
        var dom = Chromium.DumpDom(html);
        Assert.Contains("id=\"failures\"", dom, StringComparison.Ordinal);
        Assert.Contains("PgRestoreFailed", dom, StringComparison.Ordinal);
        Assert.Contains(">Failed</span>", dom, StringComparison.Ordinal);

        // Another target is another migration: refused with what differs.
        Credentials.Connect(_ps, "other", _pg.Target, target + "_other");
        var changed = _ps.Run("Invoke-HydraMigration -Source $src -Target $other -WorkFolder $args[0] -Resume", work);
        Assert.Contains("MigrationInputsChanged,HydraMigration.Commands.InvokeHydraMigrationCommand", changed.ErrorIds);
        Assert.Contains(target + "_other", Assert.Single(changed.Errors).Exception.Message, StringComparison.Ordinal);

        _pg.Target.Execute("postgres", $"CREATE TABLESPACE {tablespace} LOCATION '{PostgresFolder("ts-dst")}'");
        var resumed = _ps.Run(migrate + " -Resume", work, html);

        Assert.True(resumed.Errors.Count == 0, Errors(resumed));
        var report = Report(resumed);
        Assert.True(report.Succeeded);
        Assert.Single(Step(report, "Dump").Attempts); // the verified archive was reused
        Assert.Equal(new[] { HydraMigrationStepStatus.Failed, HydraMigrationStepStatus.Succeeded }, Step(report, "Restore").Attempts.Select(a => a.Outcome));
        Assert.Equal("PgRestoreFailed", Step(report, "Restore").Attempts[0].ErrorId);
        Assert.Equal(2, Step(report, "Create").Attempts.Count);
        Assert.Equal(500, _pg.Target.Count(target, "SELECT count(*) FROM t"));
        var json = Json(html);
        Assert.Equal(2, json.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "Restore").GetProperty("attempts").GetArrayLength());
        var resumedDom = Chromium.DumpDom(html);
        Assert.Contains("attempt 1: Failed", resumedDom, StringComparison.Ordinal);
        Assert.Contains("attempt 2: Succeeded", resumedDom, StringComparison.Ordinal);
    }

    [Fact]
    public void ACopyCutByADroppedLinkFailsItsStepAndResumeContinuesItWithoutDumpingAgain()
    {
        // An archive that takes a moment to cross: 160 rows of one random megabyte, which neither
        // TOAST nor pg_dump's zlib (a 32 KB window) can shrink.
        var source = _pg.NewDatabaseName("mig_copy");
        _pg.Source.Execute("postgres", $"CREATE DATABASE {source}");
        _pg.Source.Execute(source, "CREATE TABLE t (id int, b bytea); WITH r AS (SELECT decode(string_agg(md5(random()::text), ''), 'hex') AS b FROM generate_series(1, 65536)) INSERT INTO t SELECT g, r.b FROM r, generate_series(1, 160) g");
        var target = _pg.NewDatabaseName("mig_copy_dst");
        var remote = _server.NewRemoteFolder("migration-cut");
        var work = Path.Combine(_local, "work");
        var html = Path.Combine(_local, "report.html");
        SshLogin.Open(_ps, "s", _server, _local);
        Credentials.Connect(_ps, "src", _pg.Source, source);
        Credentials.Connect(_ps, "dst", _pg.Target, target);
        const string migrate = "Invoke-HydraMigration -Source $src -Target $dst -SourceSshSession $s -RemotePath $args[0] -WorkFolder $args[1] -ReportPath $args[2]";

        PipelineResult failed;
        var partial = Path.Combine(work, source + ".dump.hydra-partial");
        using (var running = _ps.Start(migrate, remote, work, html))
        {
            Assert.True(Poll.Until(() => File.Exists(partial) && new FileInfo(partial).Length > 8 << 20, TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(5)), "the copy never got going");
            _server.DropLinks();
            failed = running.Wait();
        }

        var first = Report(failed);
        Assert.False(first.Succeeded);
        Assert.Equal(HydraMigrationStepStatus.Succeeded, Step(first, "Dump").Status);
        Assert.Equal(HydraMigrationStepStatus.Failed, Step(first, "Copy").Status);
        Assert.Contains(Step(first, "Copy").Attempts.Single().ErrorId, new[] { "SshConnectionLost", "SshSessionClosed" });
        Assert.False(DatabaseExists(_pg.Target, target)); // nothing was created on the target
        Assert.Contains("id=\"failures\"", Chromium.DumpDom(html), StringComparison.Ordinal);

        // A new login (the old one was cut), the same work folder: the verified remote archive is
        // reused, the copy continues, and the report shows both copy attempts.
        _ps.Run("Get-HydraSshSession | Remove-HydraSshSession");
        SshLogin.Open(_ps, "s", _server, _local);
        var resumed = _ps.Run(migrate + " -Resume", remote, work, html);

        Assert.True(resumed.Errors.Count == 0, Errors(resumed));
        var report = Report(resumed);
        Assert.True(report.Succeeded, string.Join("\n", report.Failures.Select(f => f.Step + ": " + f.Message)));
        Assert.Single(Step(report, "Dump").Attempts);
        Assert.Equal(new[] { HydraMigrationStepStatus.Failed, HydraMigrationStepStatus.Succeeded }, Step(report, "Copy").Attempts.Select(a => a.Outcome));
        Assert.Equal(160, _pg.Target.Count(target, "SELECT count(*) FROM t"));
        Assert.Equal(0, report.Validation!.Failed);
        var dom = Chromium.DumpDom(html);
        Assert.Contains("attempt 1: Failed", dom, StringComparison.Ordinal);
        Assert.Contains("attempt 2: Succeeded", dom, StringComparison.Ordinal);
        Assert.Empty(Leftovers.FilesHolding(_pg.Source.SuperPassword, _local, remote));
    }

    [Fact]
    public void AKilledDumpFailsItsStepAndResumeDumpsAgain()
    {
        var source = _pg.NewDatabaseName("mig_dump");
        _pg.Source.Execute("postgres", $"CREATE DATABASE {source}");
        _pg.Source.Execute(source, "CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 300)");
        var target = _pg.NewDatabaseName("mig_dump_dst");
        var work = Path.Combine(_local, "work");
        var html = Path.Combine(_local, "report.html");
        Credentials.Connect(_ps, "src", _pg.Source, source);
        Credentials.Connect(_ps, "dst", _pg.Target, target);

        // The real pg_dump behind a door the test holds shut: the dump (the call with --snapshot) waits there to be killed.
        var bin = Path.Combine(_local, "bin");
        var hold = Path.Combine(_local, "hold");
        Directory.CreateDirectory(bin);
        File.WriteAllText(hold, string.Empty);
        var wrapper = Path.Combine(bin, "pg_dump");
        File.WriteAllText(wrapper, "#!/bin/sh\ncase \"$*\" in *--snapshot=*) while [ -f '" + hold + "' ]; do sleep 0.05; done;; esac\nexec " + PostgresCluster.BinFolder + "/pg_dump \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.CreateSymbolicLink(Path.Combine(bin, "pg_restore"), PostgresCluster.BinFolder + "/pg_restore");
        var previous = Environment.GetEnvironmentVariable("HYDRA_PG_BIN");
        Environment.SetEnvironmentVariable("HYDRA_PG_BIN", bin);
        try
        {
            const string migrate = "Invoke-HydraMigration -Source $src -Target $dst -WorkFolder $args[0] -ReportPath $args[1]";
            PipelineResult failed;
            using (var running = _ps.Start(migrate, work, html))
            {
                int? pid = null;
                Assert.True(Poll.Until(() => (pid = WrapperPid(wrapper)) is not null, TimeSpan.FromSeconds(60)), "the dump never reached pg_dump");
                ExternalCommand.Run("kill", new[] { "-KILL", pid!.Value.ToString(CultureInfo.InvariantCulture) });
                File.Delete(hold);
                failed = running.Wait();
            }

            var first = Report(failed);
            Assert.False(first.Succeeded);
            Assert.Equal(HydraMigrationStepStatus.Failed, Step(first, "Dump").Status);
            Assert.Equal("PgDumpFailed", Step(first, "Dump").Attempts.Single().ErrorId);
            Assert.Empty(Directory.GetFiles(work, "*.dump*"));

            var resumed = _ps.Run(migrate + " -Resume", work, html);

            Assert.True(resumed.Errors.Count == 0, Errors(resumed));
            var report = Report(resumed);
            Assert.True(report.Succeeded);
            Assert.Equal(new[] { HydraMigrationStepStatus.Failed, HydraMigrationStepStatus.Succeeded }, Step(report, "Dump").Attempts.Select(a => a.Outcome));
            Assert.Equal(300, _pg.Target.Count(target, "SELECT count(*) FROM t"));
            Assert.Contains("Dump attempt 1: PgDumpFailed", Chromium.DumpDom(html), StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("HYDRA_PG_BIN", previous);
            File.Delete(hold);
        }
    }

    [Fact]
    public void TheDirectShapeCopiesWithoutAnArchiveAndProvesTheTargetAgainstTheSnapshot()
    {
        var target = _pg.NewDatabaseName("mig_direct");
        var work = Path.Combine(_local, "work");
        var html = Path.Combine(_local, "reports", "direct.html");
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
        Credentials.Connect(_ps, "dst", _pg.Target, target);

        var run = _ps.Run("Invoke-HydraMigration -Direct -Source $src -Target $dst -WorkFolder $args[0] -ReportPath $args[1] -Jobs 2", work, html);

        Assert.True(run.Errors.Count == 0, Errors(run));
        var report = Report(run);
        Assert.True(report.Succeeded, string.Join("\n", report.Failures.Select(f => f.Step + ": " + f.Message)));
        Assert.Equal(HydraMigrationStepStatus.Succeeded, Step(report, "Direct").Status);
        Assert.Equal(HydraMigrationStepStatus.Succeeded, Step(report, "Validate").Status);
        Assert.Equal(0, report.Validation!.Failed);
        Assert.True(report.Validation.Passed > 10);
        Assert.Contains(report.Carried.ColumnarOptions, o => o.StartsWith("sales.events: compression=lz4", StringComparison.Ordinal));
        Assert.Equal(SampleDatabase.OrderLines, _pg.Target.Count(target, "SELECT count(*) FROM sales.\"order lines\""));

        // No archive anywhere: the work folder holds the journal and the snapshot's manifest the validation used.
        Assert.Equal(new[] { "direct.manifest.json", "journal.json" }, Directory.GetFileSystemEntries(work).Select(Path.GetFileName).Order());
        Assert.Empty(Directory.GetFiles(_local, "*.dump", SearchOption.AllDirectories));
        Assert.True(Json(html).GetProperty("succeeded").GetBoolean());
        Assert.Empty(Leftovers.FilesHolding(_pg.Source.SuperPassword, _local));
        Assert.Empty(Leftovers.FilesHolding(_pg.Target.SuperPassword, _local));
    }

    [Fact]
    public void TheReportsTableFitsAnEightyColumnTerminal()
    {
        _ps.Host.ClearText();
        var report = _ps.Run("Invoke-HydraMigration -Source $args[0] -Target $args[1] -WorkFolder $args[2] -KeepArchive | Out-Default",
            $"host=127.0.0.1 port={_pg.Source.Port} dbname={_pg.Sample} user=postgres password={_pg.Source.SuperPassword}",
            $"host=127.0.0.1 port={_pg.Target.Port} dbname={_pg.NewDatabaseName("mig_view")} user=postgres password={_pg.Target.SuperPassword}",
            Path.Combine(_local, "work"));

        Assert.True(report.Errors.Count == 0, Errors(report));
        var text = _ps.Host.Text;
        Assert.Contains("Succeeded", text, StringComparison.Ordinal);
        Assert.All(text.Split('\n'), line => Assert.True(line.TrimEnd().Length <= 80, line));
        Assert.DoesNotContain(_pg.Source.SuperPassword, text, StringComparison.Ordinal);
        Assert.Empty(Leftovers.FilesHolding(_pg.Source.SuperPassword, _local));
        Assert.Empty(Leftovers.FilesHolding(_pg.Target.SuperPassword, _local));
        var kept = Assert.Single(Directory.GetFiles(Path.Combine(_local, "work"), "*.dump")); // -KeepArchive

        // The migration's archive is compressed at the fastest level unless -Compression says otherwise.
        Assert.Contains("Compression: 1", ExternalCommand.Run(Path.Combine(PostgresCluster.BinFolder, "pg_restore"), new[] { "--list", kept }), StringComparison.Ordinal);
    }

    /// <summary>The wrapper's process while it holds the dump (its command line has the wrapper and --snapshot).</summary>
    private static int? WrapperPid(string wrapper)
    {
        foreach (var folder in Directory.GetDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(folder), out var pid))
            {
                var command = Leftovers.Read(Path.Combine(folder, "cmdline"));
                if (command.StartsWith("/bin/sh " + wrapper, StringComparison.Ordinal) && command.Contains("--snapshot=", StringComparison.Ordinal))
                {
                    return pid;
                }
            }
        }

        return null;
    }

    /// <summary>An empty folder the postgres user owns, for a tablespace.</summary>
    private string PostgresFolder(string name)
    {
        var folder = Path.Combine(_local, name);
        Directory.CreateDirectory(folder);
        if (ExternalCommand.IsRoot)
        {
            ExternalCommand.Run("chown", new[] { "postgres", folder });
        }

        return folder;
    }

    /// <summary>With HYDRA_DOCS_SCREENSHOT set, the rendered report also goes there (how docs/ got its picture).</summary>
    private static void CopyForDocs(string html, string png)
    {
        if (Environment.GetEnvironmentVariable("HYDRA_DOCS_SCREENSHOT") is { Length: > 0 } target)
        {
            File.Copy(png, target, overwrite: true);
            File.Copy(html, Path.ChangeExtension(target, ".html"), overwrite: true);
        }
    }
}
