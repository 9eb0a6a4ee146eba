using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Dump;

[Collection(PostgresCollection.Name)]
public sealed class NewHydraDumpTests : IDisposable
{
    private const string DumpCmd = "HydraMigration.Commands.NewHydraDumpCommand";
    private readonly PostgresFixture _pg;
    private readonly PowerShellSession _ps = new();

    public NewHydraDumpTests(PostgresFixture pg) => _pg = pg;

    public void Dispose() => _ps.Dispose();

    [Fact]
    public void CustomDumpWritesTheArchiveAndAManifestOfWhatItHolds()
    {
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
        var folder = _pg.NewFolder("custom");
        var result = _ps.Run("New-HydraDump -Connection $src -Path $args[0]", Path.Combine(folder, "shop.dump"));

        Assert.Empty(result.Errors);
        var dump = result.Output.Single();
        var path = (string)dump.Properties["Path"].Value;
        Assert.Equal(Path.Combine(folder, "shop.dump"), path);
        Assert.Equal("Custom", dump.Properties["Format"].Value.ToString());
        Assert.Equal(new FileInfo(path).Length, (long)dump.Properties["Size"].Value);
        Assert.Equal(1, (int)dump.Properties["ColumnarTableCount"].Value);
        Assert.Equal($"127.0.0.1:{_pg.Source.Port}/{_pg.Sample}", dump.Properties["SourceServer"].Value);
        Assert.Equal(new[] { "shop.dump", "shop.dump.manifest.json" }, Directory.GetFiles(folder).Select(Path.GetFileName).Order());

        var manifest = DumpFiles.Manifest(path);
        Assert.Equal(DumpFiles.Sha256(path), manifest.GetProperty("archive").GetProperty("sha256").GetString());
        Assert.Equal(new FileInfo(path).Length, manifest.GetProperty("archive").GetProperty("sizeBytes").GetInt64());
        Assert.StartsWith("15.", manifest.GetProperty("archive").GetProperty("pgDumpVersion").GetString());
        Assert.StartsWith("15.", manifest.GetProperty("source").GetProperty("serverVersion").GetString());
        Assert.Equal(_pg.Sample, manifest.GetProperty("source").GetProperty("database").GetString());
        Assert.Equal("UTF8", manifest.GetProperty("source").GetProperty("encoding").GetString());

        // Every table, with rows counted exactly; partitioned parents hold none of their own.
        var names = manifest.GetProperty("tables").EnumerateArray().Select(t => t.GetProperty("schema").GetString() + "." + t.GetProperty("name").GetString()).Order().ToList();
        Assert.Equal(new[] { "audit.log", "public.measurements", "public.measurements_2025", "public.measurements_2026", "sales.customers", "sales.events", "sales.order lines" }, names);
        foreach (var table in manifest.GetProperty("tables").EnumerateArray().Where(t => t.GetProperty("kind").GetString() == "table"))
        {
            var qualified = $"\"{table.GetProperty("schema").GetString()}\".\"{table.GetProperty("name").GetString()}\"";
            Assert.Equal(_pg.Source.Count(_pg.Sample, "SELECT count(*) FROM ONLY " + qualified), DumpFiles.RowCount(table));
        }

        Assert.Null(DumpFiles.RowCount(DumpFiles.Table(manifest, "public", "measurements")));
        Assert.Equal(SampleDatabase.OrderLines, DumpFiles.RowCount(DumpFiles.Table(manifest, "sales", "order lines")));

        // The columnar table: access method and the options a plain restore would lose.
        var events = DumpFiles.Table(manifest, "sales", "events");
        Assert.Equal("columnar", events.GetProperty("accessMethod").GetString());
        Assert.Equal("heap", DumpFiles.Table(manifest, "sales", "customers").GetProperty("accessMethod").GetString());
        var options = events.GetProperty("columnar");
        Assert.Equal(5000, options.GetProperty("chunkGroupRowLimit").GetInt32());
        Assert.Equal(50000, options.GetProperty("stripeRowLimit").GetInt32());
        Assert.Equal("lz4", options.GetProperty("compression").GetString());
        Assert.Equal(5, options.GetProperty("compressionLevel").GetInt32());

        var extension = manifest.GetProperty("extensions").EnumerateArray().Single(e => e.GetProperty("name").GetString() == "columnar");
        Assert.Equal(_pg.Source.Psql(_pg.Sample, "SELECT extversion FROM pg_extension WHERE extname = 'columnar'"), extension.GetProperty("version").GetString());

        var settings = manifest.GetProperty("databaseSettings").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("value").GetString());
        Assert.Equal("columnar", settings["default_table_access_method"]);
        Assert.Equal("8MB", settings["work_mem"]);

        var roles = manifest.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).ToList();
        Assert.Contains(SampleDatabase.OwnerRole, roles);
        Assert.Contains(SampleDatabase.ReaderRole, roles);
        Assert.Contains("postgres", roles);

        Assert.DoesNotContain(_pg.Source.SuperPassword, File.ReadAllText(path + ".manifest.json"), StringComparison.Ordinal);
        Assert.DoesNotContain(_pg.Source.SuperPassword, result.AllText(), StringComparison.Ordinal);
    }

    [Fact]
    public void DirectoryFormatDumpsInParallelAndHashesEveryFile()
    {
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
        var target = Path.Combine(_pg.NewFolder("dir"), "shop.d");
        var result = _ps.Run("New-HydraDump -Connection $src -Path $args[0] -Format Directory -Jobs 2 -Verbose", target);

        Assert.Empty(result.Errors);
        Assert.True(File.Exists(Path.Combine(target, "toc.dat")));
        Assert.Contains(result.Verbose, v => v.Contains("--jobs=2", StringComparison.Ordinal));
        var archive = DumpFiles.Manifest(target).GetProperty("archive");
        Assert.Equal("Directory", archive.GetProperty("format").GetString());
        var files = archive.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal(Directory.GetFiles(target).Length, files.Count);
        foreach (var file in files)
        {
            Assert.Equal(DumpFiles.Sha256(Path.Combine(target, file.GetProperty("name").GetString()!)), file.GetProperty("sha256").GetString());
        }

        Assert.Equal(SampleDatabase.Events, DumpFiles.RowCount(DumpFiles.Table(DumpFiles.Manifest(target), "sales", "events")));
    }

    [Theory]
    [InlineData("Tar", "shop.tar")]
    [InlineData("Plain", "shop.sql")]
    public void TarAndPlainFormats(string format, string fileName)
    {
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
        var path = Path.Combine(_pg.NewFolder(format), fileName);
        var result = _ps.Run("New-HydraDump -Connection $src -Path $args[0] -Format $args[1]", path, format);

        Assert.Empty(result.Errors);
        var manifest = DumpFiles.Manifest(path);
        Assert.Equal(format, manifest.GetProperty("archive").GetProperty("format").GetString());
        Assert.Equal(DumpFiles.Sha256(path), manifest.GetProperty("archive").GetProperty("sha256").GetString());
        Assert.Equal(SampleDatabase.Customers, DumpFiles.RowCount(DumpFiles.Table(manifest, "sales", "customers")));
        Assert.Contains(SampleDatabase.OwnerRole, manifest.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        if (format == "Plain")
        {
            Assert.Contains("CREATE EXTENSION IF NOT EXISTS columnar", File.ReadAllText(path), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("-Schema sales", "sales.customers,sales.events,sales.order lines", "")]
    [InlineData("-ExcludeSchema audit -ExcludeTable 'public.measurements*'", "sales.customers,sales.events,sales.order lines", "")]
    [InlineData("-Table 'sales.cust*','sales.\"order lines\"'", "sales.customers,sales.order lines", "")]
    [InlineData("-Schema audit,sales -ExcludeTableData 'sales.\"order lines\"'", "audit.log,sales.customers,sales.events,sales.order lines", "sales.order lines")]
    [InlineData("-Schema sales -SchemaOnly", "sales.customers,sales.events,sales.order lines", "sales.customers,sales.events,sales.order lines")]
    public void FiltersShapeTheArchiveAndTheManifestAlike(string filters, string expectedTables, string withoutData)
    {
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
        var path = Path.Combine(_pg.NewFolder("filter"), "f.dump");
        var result = _ps.Run("New-HydraDump -Connection $src -Path $args[0] " + filters, path);
        Assert.Empty(result.Errors);

        var manifest = DumpFiles.Manifest(path);
        var tables = manifest.GetProperty("tables").EnumerateArray().ToList();
        Assert.Equal(expectedTables.Split(','), tables.Select(t => t.GetProperty("schema").GetString() + "." + t.GetProperty("name").GetString()).Order());

        // The manifest agrees with the archive's own table of contents.
        var toc = _ps.Run("Get-HydraDumpContent $args[0]", path).Output;
        Assert.Equal(expectedTables.Split(','), toc.Where(e => (string)e.Properties["Type"].Value == "TABLE").Select(e => e.Properties["Schema"].Value + "." + e.Properties["Name"].Value).Order());
        var noData = withoutData.Length == 0 ? Array.Empty<string>() : withoutData.Split(',');
        foreach (var table in tables)
        {
            var name = table.GetProperty("schema").GetString() + "." + table.GetProperty("name").GetString();
            var hasData = toc.Any(e => (string)e.Properties["Type"].Value == "TABLE DATA" && e.Properties["Schema"].Value + "." + e.Properties["Name"].Value == name);
            Assert.Equal(!noData.Contains(name), hasData);
            Assert.Equal(hasData, table.GetProperty("dataDumped").GetBoolean());
            Assert.Equal(hasData, DumpFiles.RowCount(table) is not null);
        }
    }

    [Fact]
    public void RowCountsComeFromTheDumpsOwnSnapshotWhileTheSourceKeepsChanging()
    {
        var db = _pg.NewDatabaseName("busy");
        _pg.Source.Execute("postgres", $"CREATE DATABASE {db}");
        _pg.Source.Execute(db, "CREATE TABLE ticks (id bigserial PRIMARY KEY, pad text); INSERT INTO ticks (pad) SELECT repeat(md5(g::text), 8) FROM generate_series(1, 300000) g;");

        // A writer commits new rows every few milliseconds for as long as the dump runs.
        var writer = System.Diagnostics.Process.Start(WriterStartInfo(db));
        try
        {
            _pg.Source.Psql(db, "SELECT pg_sleep(0.5)");
            Credentials.Connect(_ps, "src", _pg.Source, db);
            var path = Path.Combine(_pg.NewFolder("busy"), "busy.dump");
            var result = _ps.Run("New-HydraDump -Connection $src -Path $args[0]", path);
            Assert.Empty(result.Errors);
            var counted = DumpFiles.RowCount(DumpFiles.Table(DumpFiles.Manifest(path), "public", "ticks"));

            // Restore what the archive really holds and count it there.
            var check = _pg.NewDatabaseName("busycheck");
            _pg.Target.Execute("postgres", $"CREATE DATABASE {check}");
            ExternalCommand.Run(Path.Combine(PostgresCluster.BinFolder, "pg_restore"), new[] { "--no-owner", "-d", check, path }, _pg.Target.Environment(check));
            Assert.Equal(_pg.Target.Count(check, "SELECT count(*) FROM ticks"), counted);
            Assert.True(_pg.Source.Count(db, "SELECT count(*) FROM ticks") > counted, "the writer should have added rows after the snapshot");
        }
        finally
        {
            writer!.Kill(true);
            writer.WaitForExit();
        }
    }

    private System.Diagnostics.ProcessStartInfo WriterStartInfo(string db)
    {
        var info = new System.Diagnostics.ProcessStartInfo(Path.Combine(PostgresCluster.BinFolder, "psql"))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "-X", "-q", "-c", "DO $$BEGIN FOR i IN 1..100000 LOOP INSERT INTO ticks (pad) SELECT 'new' FROM generate_series(1, 20); COMMIT; PERFORM pg_sleep(0.002); END LOOP; END$$;" })
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in _pg.Source.Environment(db))
        {
            info.Environment[key] = value;
        }

        return info;
    }

    [Fact]
    public void AFolderPathGetsAGeneratedName()
    {
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
        var folder = _pg.NewFolder("generated");
        var result = _ps.Run("New-HydraDump -Connection $src -Path $args[0] -SkipRowCount", folder);
        Assert.Empty(result.Errors);
        var path = (string)result.Output.Single().Properties["Path"].Value;
        Assert.Matches(_pg.Sample + @"_\d{8}_\d{6}\.dump$", path);
        Assert.True(File.Exists(path));
        Assert.All(DumpFiles.Manifest(path).GetProperty("tables").EnumerateArray(), t => Assert.Null(DumpFiles.RowCount(t)));
    }

    [Fact]
    public void AnExistingArchiveIsKeptUnlessForceIsGiven()
    {
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
        var path = Path.Combine(_pg.NewFolder("exists"), "shop.dump");
        File.WriteAllText(path, "precious");

        var refused = _ps.Run("New-HydraDump -Connection $src -Path $args[0]", path);
        Assert.Equal("DumpAlreadyExists," + DumpCmd, Assert.Single(refused.Errors).FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceExists, refused.Errors[0].CategoryInfo.Category);
        Assert.Equal("precious", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));

        var forced = _ps.Run("New-HydraDump -Connection $src -Path $args[0] -Force", path);
        Assert.Empty(forced.Errors);
        Assert.Equal(DumpFiles.Sha256(path), DumpFiles.Manifest(path).GetProperty("archive").GetProperty("sha256").GetString());
    }

    [Fact]
    public void WhatIfDumpsNothing()
    {
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
        var folder = _pg.NewFolder("whatif");
        var result = _ps.Run("New-HydraDump -Connection $src -Path $args[0] -WhatIf", Path.Combine(folder, "x.dump"));
        Assert.Empty(result.Errors);
        Assert.Empty(result.Output);
        Assert.Empty(DumpFiles.Everything(folder));
        Assert.Contains("What if", _ps.Host.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongPasswordIsAnAuthenticationErrorThatLeavesNothing()
    {
        const string wrong = "definitely-Wrong-pw-7731";
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample, password: wrong);
        var folder = _pg.NewFolder("wrongpw");
        var result = _ps.Run("New-HydraDump -Connection $src -Path $args[0]", Path.Combine(folder, "x.dump"));
        var error = Assert.Single(result.Errors);
        Assert.Equal("AuthenticationFailed," + DumpCmd, error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        Assert.Contains("postgres", error.Exception.Message, StringComparison.Ordinal);
        Assert.NotNull(error.TargetObject);
        Assert.DoesNotContain(wrong, result.AllText(), StringComparison.Ordinal);
        Assert.Empty(DumpFiles.Everything(folder));
    }

    [Fact]
    public void UnreachableServerIsAConnectionError()
    {
        var folder = _pg.NewFolder("unreachable");
        using var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var result = _ps.Run("New-HydraDump -HostName 127.0.0.1 -Port $args[0] -Database x -UserName u -Path $args[1]", port, Path.Combine(folder, "x.dump"));
        var error = Assert.Single(result.Errors);
        Assert.Equal("ServerUnreachable," + DumpCmd, error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Exception.Message, StringComparison.Ordinal);
        Assert.Empty(DumpFiles.Everything(folder));
    }

    [Fact]
    public void MissingDatabaseIsNamed()
    {
        Credentials.Connect(_ps, "src", _pg.Source, "no_such_db");
        var folder = _pg.NewFolder("nodb");
        var result = _ps.Run("New-HydraDump -Connection $src -Path $args[0]", Path.Combine(folder, "x.dump"));
        var error = Assert.Single(result.Errors);
        Assert.Equal("DatabaseNotFound," + DumpCmd, error.FullyQualifiedErrorId);
        Assert.Contains("'no_such_db' does not exist", error.Exception.Message, StringComparison.Ordinal);
        Assert.Empty(DumpFiles.Everything(folder));
    }

    [Fact]
    public void NoPgDumpOrOnlyAnOldOneSaysWhichVersionIsNeeded()
    {
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
        var folder = _pg.NewFolder("nopgdump");
        var empty = Directory.CreateDirectory(Path.Combine(folder, "empty-bin")).FullName;
        var missing = _ps.Run("New-HydraDump -Connection $src -Path $args[0] -PgBinPath $args[1]", Path.Combine(folder, "x.dump"), empty);
        var error = Assert.Single(missing.Errors);
        Assert.Equal("PgToolNotFound," + DumpCmd, error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.NotInstalled, error.CategoryInfo.Category);
        Assert.Contains("PostgreSQL 15 or newer", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains(empty, error.Exception.Message, StringComparison.Ordinal);

        // An old client, as an old install would answer --version (a real 9.6 is not installable here).
        var old = Directory.CreateDirectory(Path.Combine(folder, "old-bin")).FullName;
        File.WriteAllText(Path.Combine(old, "pg_dump"), "#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n");
        File.SetUnixFileMode(Path.Combine(old, "pg_dump"), UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        _ps.Set("env:HYDRA_PG_BIN", null);
        var tooOld = _ps.Run("$env:HYDRA_PG_BIN = $args[1]; try { New-HydraDump -Connection $src -Path $args[0] } finally { $env:HYDRA_PG_BIN = $null }", Path.Combine(folder, "x.dump"), old);
        error = Assert.Single(tooOld.Errors);
        Assert.Equal("PgToolTooOld," + DumpCmd, error.FullyQualifiedErrorId);
        Assert.Contains("pg_dump 15 or newer", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("9.6", error.Exception.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder, "x.dump")));
    }

    [Fact]
    public void PgDumpFailureKeepsItsStderrAndLeavesNothing()
    {
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
        var folder = _pg.NewFolder("pgdumpfails");
        var result = _ps.Run("New-HydraDump -Connection $src -Path $args[0] -Table 'no_such_table_*'", Path.Combine(folder, "x.dump"));
        var error = Assert.Single(result.Errors);
        Assert.Equal("PgDumpFailed," + DumpCmd, error.FullyQualifiedErrorId);
        Assert.Contains("no matching tables were found", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("no matching tables were found", (string)PSObject.AsPSObject(error.Exception).Properties["ToolOutput"].Value, StringComparison.Ordinal);
        Assert.Empty(DumpFiles.Everything(folder));
    }

    [Fact]
    public void ConflictingOptionsAreRefusedBeforeAnythingRuns()
    {
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
        var folder = _pg.NewFolder("conflict");
        Assert.Equal("SchemaOnlyWithDataOnly," + DumpCmd, Assert.Single(_ps.Run("New-HydraDump -Connection $src -Path $args[0] -SchemaOnly -DataOnly", Path.Combine(folder, "x.dump")).Errors).FullyQualifiedErrorId);
        Assert.Equal("JobsNeedDirectoryFormat," + DumpCmd, Assert.Single(_ps.Run("New-HydraDump -Connection $src -Path $args[0] -Jobs 2", Path.Combine(folder, "x.dump")).Errors).FullyQualifiedErrorId);
        Assert.Empty(DumpFiles.Everything(folder));
    }

    [Fact]
    public void ReportsProgressAndPgDumpsVerboseLines()
    {
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
        var result = _ps.Run("New-HydraDump -Connection $src -Path $args[0] -Verbose", Path.Combine(_pg.NewFolder("progress"), "p.dump"));
        Assert.Empty(result.Errors);
        Assert.Contains(result.Verbose, v => v.Contains("dumping contents of table \"sales.order lines\"", StringComparison.Ordinal));
        Assert.Contains(result.Verbose, v => v.StartsWith("Using pg_dump 15", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Verbose, v => v.Contains("Terminated", StringComparison.Ordinal)); // the child guard's shell, reporting the watcher it stopped
        Assert.NotEmpty(result.Progress);
        Assert.All(result.Progress, p => Assert.InRange(p.PercentComplete, -1, 100));
        Assert.Equal(ProgressRecordType.Completed, result.Progress[^1].RecordType);
        var percents = result.Progress.Where(p => p.RecordType == ProgressRecordType.Processing).Select(p => p.PercentComplete).ToList();
        Assert.Equal(percents.Order(), percents); // never goes backwards
    }

    [Fact]
    public void DefaultViewShowsTheDump()
    {
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
        _ps.Run("New-HydraDump -Connection $src -Path $args[0] | Out-Default", Path.Combine(_pg.NewFolder("view"), "view.dump"));
        Assert.Matches(@"Name\s+Location\s+Format\s+Size\(MB\)\s+Tables\s+Columnar\s+Source", _ps.Host.Text);
        Assert.Matches(@"view\.dump\s+local\s+Custom\s+[\d.]+\s+7\s+1\s+127\.0\.0\.1:\d+/", _ps.Host.Text);
    }
}
