using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Faults;

/// <summary>
/// The restore's fault matrix: a damaged archive or manifest, a pg_restore that fails part-way,
/// Ctrl+C, -Clean failing, a login without privileges, a target server that dies. Each case
/// asserts the error id and what is left in the servers (databases, roles) afterwards.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RestoreFaultTests : IDisposable
{
    private const string RestoreCmd = "HydraMigration.Commands.RestoreHydraDumpCommand";
    private const int GatedRows = 2000;
    private const string ParallelLoadMinimumBytes = "HYDRA_PARALLEL_LOAD_MIN_BYTES";
    private readonly PostgresFixture _pg;
    private readonly PowerShellSession _ps = new();

    public RestoreFaultTests(PostgresFixture pg)
    {
        _pg = pg;
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
    }

    public void Dispose() => _ps.Dispose();

    [Fact]
    public void ACustomArchiveWithBytesFlippedOrCutIsRefusedBeforeAnythingIsCreated()
    {
        var path = Path.Combine(_pg.NewFolder("flipped"), "shop.dump");
        Assert.Empty(_ps.Run("New-HydraDump -Connection $src -Path $args[0]", path).Errors);
        var original = File.ReadAllBytes(path);
        var flipped = (byte[])original.Clone();
        for (var i = 0; i < 64; i++)
        {
            flipped[(flipped.Length / 2) + i] ^= 0xFF;
        }

        File.WriteAllBytes(path, flipped);
        var target = _pg.NewDatabaseName("flipped");
        Credentials.Connect(_ps, "dst", _pg.Target, target);

        var error = Assert.Single(_ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -CreateDatabase -CreateMissingRole", path).Errors);
        Assert.Equal("ArchiveCorrupt," + RestoreCmd, error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
        Assert.Equal(path, error.TargetObject);
        Assert.Contains("SHA-256", error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal("0", _pg.Target.Psql("postgres", $"SELECT count(*) FROM pg_database WHERE datname = '{target}'"));

        File.WriteAllBytes(path, original.Take(original.Length - 100).ToArray());
        var cut = Assert.Single(_ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -CreateDatabase", path).Errors);
        Assert.Equal("ArchiveCorrupt," + RestoreCmd, cut.FullyQualifiedErrorId);
        Assert.Contains("truncated", cut.Exception.Message, StringComparison.Ordinal);
        Assert.Contains(original.Length.ToString(CultureInfo.InvariantCulture), cut.Exception.Message, StringComparison.Ordinal);
        Assert.Equal("0", _pg.Target.Psql("postgres", $"SELECT count(*) FROM pg_database WHERE datname = '{target}'"));
    }

    [Fact]
    public void ADirectoryDumpWithOneDamagedOrMissingDataFileIsRefused()
    {
        var path = Path.Combine(_pg.NewFolder("damageddir"), "shop.d");
        Assert.Empty(_ps.Run("New-HydraDump -Connection $src -Path $args[0] -Format Directory", path).Errors);
        var data = Directory.GetFiles(path, "*.dat.gz").OrderByDescending(f => new FileInfo(f).Length).First();
        var bytes = File.ReadAllBytes(data);
        bytes[bytes.Length / 2] ^= 0x55;
        File.WriteAllBytes(data, bytes);
        var target = _pg.NewDatabaseName("damageddir");
        Credentials.Connect(_ps, "dst", _pg.Target, target);

        var damaged = Assert.Single(_ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -CreateDatabase", path).Errors);
        Assert.Equal("ArchiveCorrupt," + RestoreCmd, damaged.FullyQualifiedErrorId);
        Assert.Contains(Path.GetFileName(data), damaged.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("SHA-256", damaged.Exception.Message, StringComparison.Ordinal);

        File.Delete(data);
        var missing = Assert.Single(_ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -CreateDatabase", path).Errors);
        Assert.Equal("ArchiveCorrupt," + RestoreCmd, missing.FullyQualifiedErrorId);
        Assert.Contains(Path.GetFileName(data) + "': the file is missing", missing.Exception.Message, StringComparison.Ordinal);
        Assert.Equal("0", _pg.Target.Psql("postgres", $"SELECT count(*) FROM pg_database WHERE datname = '{target}'"));
    }

    [Fact]
    public void AnEmptyOrPartialManifestIsRefusedWithWhatItLacks()
    {
        var path = Path.Combine(_pg.NewFolder("partialmanifest"), "shop.dump");
        Assert.Empty(_ps.Run("New-HydraDump -Connection $src -Path $args[0]", path).Errors);
        var manifestPath = path + ".manifest.json";
        var written = File.ReadAllText(manifestPath);
        var target = _pg.NewDatabaseName("partialmanifest");
        Credentials.Connect(_ps, "dst", _pg.Target, target);

        File.WriteAllText(manifestPath, "{}");
        var empty = Assert.Single(_ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -CreateDatabase", path).Errors);
        Assert.Equal("ManifestInvalid," + RestoreCmd, empty.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidData, empty.CategoryInfo.Category);
        foreach (var field in new[] { "manifestVersion", "archive", "source", "tables", "databaseSettings" })
        {
            Assert.Contains(field, empty.Exception.Message, StringComparison.Ordinal);
        }

        // Without the table list and the archive's hash: the columnar options would be lost silently.
        var partial = System.Text.Json.Nodes.JsonNode.Parse(written)!.AsObject();
        partial.Remove("tables");
        partial["archive"]!.AsObject().Remove("sha256");
        File.WriteAllText(manifestPath, partial.ToJsonString());
        var lacking = Assert.Single(_ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -CreateDatabase", path).Errors);
        Assert.Equal("ManifestInvalid," + RestoreCmd, lacking.FullyQualifiedErrorId);
        Assert.Contains("tables, archive.sha256.", lacking.Exception.Message, StringComparison.Ordinal);
        Assert.Equal("0", _pg.Target.Psql("postgres", $"SELECT count(*) FROM pg_database WHERE datname = '{target}'"));

        // Test-HydraMigration reads it through the same place.
        Credentials.Connect(_ps, "pg", _pg.Target, "postgres");
        var test = _ps.Run("Test-HydraMigration -Connection $pg -Manifest $args[0]", manifestPath);
        Assert.Contains(test.Errors, e => e.Exception.ToString().Contains("lacks required field(s)", StringComparison.Ordinal));

        // What this release writes reads again, and restores.
        File.WriteAllText(manifestPath, written);
        var restored = _ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -CreateDatabase", path);
        Assert.Empty(restored.Errors);
        Assert.True((bool)restored.Output.Single().Properties["Succeeded"].Value);
        Assert.Contains(restored.Progress, p => p.StatusDescription == "Verifying the archive against its manifest");
    }

    [Fact]
    public void ARestoreThatFailsPartWayDropsTheDatabaseAndTheRolesItCreated()
    {
        var (path, role) = GatedArchive("fails", "IF i = 1000 THEN RAISE EXCEPTION 'deliberate failure at row %', i; END IF;");
        var target = _pg.NewDatabaseName("fails");
        Credentials.Connect(_ps, "dst", _pg.Target, target);

        var result = _ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -CreateDatabase -CreateMissingRole", path);
        Assert.Contains("PgRestoreError," + RestoreCmd, result.ErrorIds);
        Assert.False((bool)result.Output.Single().Properties["Succeeded"].Value);
        Assert.Contains(result.Warnings, w => w.Contains("Dropped what it had created", StringComparison.Ordinal) && w.Contains(role, StringComparison.Ordinal) && w.Contains("Nothing it created is left", StringComparison.Ordinal));
        Assert.Equal("0", _pg.Target.Psql("postgres", $"SELECT count(*) FROM pg_database WHERE datname = '{target}'"));
        Assert.Equal("0", _pg.Target.Psql("postgres", $"SELECT count(*) FROM pg_roles WHERE rolname = '{role}'"));

        // -KeepFailedDatabase: both stay, and the warning says how to drop them.
        var kept = _ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -CreateDatabase -CreateMissingRole -KeepFailedDatabase", path);
        Assert.Contains(kept.Warnings, w => w.Contains("-KeepFailedDatabase", StringComparison.Ordinal) && w.Contains($"DROP DATABASE \"{target}\";", StringComparison.Ordinal) && w.Contains($"DROP ROLE \"{role}\";", StringComparison.Ordinal));
        Assert.Equal("1", _pg.Target.Psql("postgres", $"SELECT count(*) FROM pg_database WHERE datname = '{target}'"));
        Assert.Equal(role, _pg.Target.Psql(target, "SELECT tableowner FROM pg_tables WHERE tablename = 'gated'"));
        _pg.Target.Execute("postgres", $"DROP DATABASE {target}");
        _pg.Target.Execute("postgres", $"DROP ROLE {role}");
    }

    [Fact]
    public void ACleanupThatCannotDropTheDatabaseIsAWarningThatSaysWhatIsLeftAndHowToDropIt()
    {
        // Slow enough to act on mid-COPY, then a deterministic failure: the restore fails after creating its database.
        var (path, _) = GatedArchive("undofails", "PERFORM pg_catalog.pg_sleep(0.004); IF i = 1500 THEN RAISE EXCEPTION 'deliberate failure at row %', i; END IF;");
        var target = _pg.NewDatabaseName("undofails");
        Credentials.Connect(_ps, "dst", _pg.Target, target);

        using var running = _ps.Start("Restore-HydraDump -Path $args[0] -Connection $dst -CreateDatabase -NoOwner", path);
        Assert.True(running.WaitUntil(() => Copying(_pg.Target, target), TimeSpan.FromSeconds(120)), "pg_restore never started copying");

        // Another session's object holds the new database: a subscription (even a disabled one) keeps
        // DROP DATABASE from dropping it, WITH (FORCE) too (55006, object in use).
        _pg.Target.Execute(target, "CREATE SUBSCRIPTION hydra_test_hold CONNECTION 'dbname=nowhere' PUBLICATION nothing WITH (connect = false, slot_name = NONE)");
        var result = running.Wait();

        Assert.Contains("PgRestoreError," + RestoreCmd, result.ErrorIds);
        Assert.False((bool)result.Output.Single().Properties["Succeeded"].Value);
        Assert.Contains(result.Warnings, w => w.Contains($"The unfinished database '{target}'", StringComparison.Ordinal) && w.Contains("could not be dropped", StringComparison.Ordinal)
            && w.Contains("55006", StringComparison.Ordinal) && w.Contains($"DROP DATABASE \"{target}\";", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.Contains("failed with", StringComparison.Ordinal) && w.Contains($"Left behind: the database '{target}'", StringComparison.Ordinal) && w.Contains($"DROP DATABASE \"{target}\";", StringComparison.Ordinal));
        Assert.Equal("1", _pg.Target.Psql("postgres", $"SELECT count(*) FROM pg_database WHERE datname = '{target}'"));

        _pg.Target.Execute(target, "DROP SUBSCRIPTION hydra_test_hold");
        _pg.Target.Execute("postgres", $"DROP DATABASE {target}");
    }

    [Fact]
    public void CtrlCMidRestoreDropsTheRolesItCreatedToo()
    {
        var (path, role) = GatedArchive("ctrlc", "PERFORM pg_catalog.pg_sleep(0.05);");
        var target = _pg.NewDatabaseName("ctrlcroles");
        Credentials.Connect(_ps, "dst", _pg.Target, target);

        using var running = _ps.Start("Restore-HydraDump -Path $args[0] -Connection $dst -CreateDatabase -CreateMissingRole", path);
        Assert.True(running.WaitUntil(() => Copying(_pg.Target, target), TimeSpan.FromSeconds(120)), "pg_restore never started copying");
        Assert.Equal("1", _pg.Target.Psql("postgres", $"SELECT count(*) FROM pg_roles WHERE rolname = '{role}'"));
        running.Stop();
        running.Wait();
        Assert.True(running.WasStopped);
        Assert.Equal("0", _pg.Target.Psql("postgres", $"SELECT count(*) FROM pg_database WHERE datname = '{target}'"));
        Assert.Equal("0", _pg.Target.Psql("postgres", $"SELECT count(*) FROM pg_roles WHERE rolname = '{role}'"));
        Assert.False(PgRestoreRunsOn(path));
        Assert.False(PasswordOnDisk(_pg.Target.SuperPassword), "a private folder with the target's password was left in the temp folder");
    }

    [Fact]
    public void ACleanThatFailsPartWayLeavesTheTargetsOldRows()
    {
        var (path, role) = GatedArchive("clean", "IF i = 1000 THEN RAISE EXCEPTION 'deliberate failure at row %', i; END IF;");
        var target = _pg.NewDatabaseName("cleanfails");
        _pg.Target.Execute("postgres", $"CREATE DATABASE {target} TEMPLATE template0");
        _pg.Target.Execute("postgres", $"CREATE ROLE {role} NOLOGIN");

        // A first restore that may pass the gate, then rows only the target has.
        _pg.Target.Execute("postgres", $"ALTER DATABASE {target} SET hydra_test.mode = 'pass'");
        Credentials.Connect(_ps, "dst", _pg.Target, target);
        Assert.Empty(_ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst", path).Errors);
        _pg.Target.Execute(target, "SET hydra_test.mode = 'pass'; INSERT INTO public.gated SELECT g, 'old' FROM generate_series(-9, -1) g; INSERT INTO public.plain VALUES (-1, 'old');");
        _pg.Target.Execute("postgres", $"ALTER DATABASE {target} RESET hydra_test.mode");
        var before = _pg.Target.Psql(target, "SELECT count(*) || '/' || sum(id) FROM public.gated") + " " + _pg.Target.Psql(target, "SELECT count(*) FROM public.plain");

        var refused = Assert.Single(_ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst", path).Errors);
        Assert.Equal("TargetNotEmpty," + RestoreCmd, refused.FullyQualifiedErrorId);
        Assert.Contains("-Clean: it drops the archive's objects", refused.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("one transaction", refused.Exception.Message, StringComparison.Ordinal);
        Assert.Equal("CleanWithJobs," + RestoreCmd, Assert.Single(_ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -Clean -Jobs 2", path).Errors).FullyQualifiedErrorId);

        var clean = _ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -Clean", path);
        Assert.Contains("PgRestoreError," + RestoreCmd, clean.ErrorIds);
        Assert.Contains(clean.Warnings, w => w.Contains("rolled back", StringComparison.Ordinal));
        Assert.Equal(before, _pg.Target.Psql(target, "SELECT count(*) || '/' || sum(id) FROM public.gated") + " " + _pg.Target.Psql(target, "SELECT count(*) FROM public.plain"));
        Assert.Equal("9", _pg.Target.Psql(target, "SELECT count(*) FROM public.gated WHERE payload = 'old'"));
    }

    [Fact]
    public void ANonSuperuserLoginHearsWhatItLacksBeforeAnythingIsWritten()
    {
        var path = Path.Combine(_pg.NewFolder("nonsuper"), "shop.dump");
        Assert.Empty(_ps.Run("New-HydraDump -Connection $src -Path $args[0]", path).Errors);
        var login = "restorer_" + Guid.NewGuid().ToString("N")[..6];
        var password = "Pw-" + Guid.NewGuid().ToString("N");
        _pg.Target.Execute("postgres", $"CREATE ROLE {login} LOGIN PASSWORD '{password}'");
        var target = _pg.NewDatabaseName("nonsuper");
        _pg.Target.Execute("postgres", $"CREATE DATABASE {target} TEMPLATE template0");
        Credentials.Connect(_ps, "dst", _pg.Target, target, login, password);

        var result = _ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst", path);
        Assert.Equal(
            new[] { "DatabasePrivilegeMissing", "ExtensionNeedsSuperuser", "OwnerRoleNotGranted", "SchemaPrivilegeMissing" },
            result.ErrorIds.Select(id => id.Split(',')[0]).Order());
        Assert.All(result.Errors, e => Assert.Equal(ErrorCategory.PermissionDenied, e.CategoryInfo.Category));
        Assert.Contains("columnar", Message(result, "ExtensionNeedsSuperuser"), StringComparison.Ordinal);
        Assert.Contains($"GRANT CREATE ON DATABASE \"{target}\" TO \"{login}\";", Message(result, "DatabasePrivilegeMissing"), StringComparison.Ordinal);
        Assert.Contains($"GRANT CREATE ON SCHEMA \"public\" TO \"{login}\";", Message(result, "SchemaPrivilegeMissing"), StringComparison.Ordinal);
        Assert.Contains(SampleDatabase.OwnerRole, Message(result, "OwnerRoleNotGranted"), StringComparison.Ordinal);
        Assert.Empty(result.Output);
        Assert.Equal("0", _pg.Target.Psql(target, "SELECT count(*) FROM pg_namespace WHERE nspname IN ('sales', 'audit')"));

        // What the messages say to do is enough: with the extension installed and the grants given, the preflight passes.
        _pg.Target.Execute(target, $"CREATE EXTENSION columnar; GRANT CREATE ON DATABASE {target} TO {login}; GRANT CREATE ON SCHEMA public TO {login};");
        var noOwner = _ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -NoOwner -NoAcl -WhatIf", path);
        Assert.Empty(noOwner.Errors);
    }

    [Fact]
    public void ATargetServerThatDiesMidRestoreIsTargetConnectionLost()
    {
        var (path, role) = GatedArchive("dead", "PERFORM pg_catalog.pg_sleep(0.05);");
        using var doomed = PostgresCluster.Start("doomed", _pg.NewFolder("doomedcluster"));
        var target = _pg.NewDatabaseName("dead");
        Credentials.Connect(_ps, "dst", doomed, target);

        using var running = _ps.Start("Restore-HydraDump -Path $args[0] -Connection $dst -CreateDatabase -CreateMissingRole", path);
        Assert.True(running.WaitUntil(() => Copying(doomed, target), TimeSpan.FromSeconds(120)), "pg_restore never started copying");
        ExternalCommand.RunAsPostgres(Path.Combine(PostgresCluster.BinFolder, "pg_ctl"), new[] { "-D", doomed.DataFolder, "-m", "immediate", "-w", "stop" });
        var result = running.Wait();

        var error = Assert.Single(result.Errors);
        Assert.Equal("TargetConnectionLost," + RestoreCmd, error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
        Assert.Contains("went away during the restore", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains($"Left behind: the database '{target}' and the role(s) '{role}'", error.Exception.Message, StringComparison.Ordinal);
        Assert.Empty(result.Output); // no result that could pass for a finished restore
        Assert.False(PgRestoreRunsOn(path));
        Assert.False(PasswordOnDisk(doomed.SuperPassword), "a private folder with the target's password was left in the temp folder");

        // Back up, the half-restored database says it is not ready, and the next -CreateDatabase replaces it.
        ExternalCommand.RunAsPostgres(Path.Combine(PostgresCluster.BinFolder, "pg_ctl"), new[] { "-D", doomed.DataFolder, "-l", Path.Combine(doomed.Folder, "server.log"), "-w", "-t", "60", "start" });
        var comment = $"SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = '{target}'";
        Assert.StartsWith("HydraMigration: unfinished restore of gated.dump", doomed.Psql("postgres", comment), StringComparison.Ordinal);
        doomed.Execute("postgres", "ALTER ROLE postgres SET hydra_test.mode = 'pass'");
        var again = _ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -CreateDatabase -CreateMissingRole", path);
        Assert.Empty(again.Errors);
        Assert.Contains(again.Warnings, w => w.Contains("left unfinished", StringComparison.Ordinal));
        Assert.Equal(GatedRows.ToString(CultureInfo.InvariantCulture), doomed.Psql(target, "SELECT count(*) FROM public.gated"));
        Assert.Equal(string.Empty, doomed.Psql("postgres", comment));
    }

    [Fact]
    public void ATargetServerThatDiesDuringASplitLoadIsTargetConnectionLost()
    {
        // Every heap table is split over the two jobs' connections (Restore/ParallelTableLoad), and
        // the gated table's rows are slow to check: the server dies while those connections copy.
        // A connection takes the next block of rows as soon as its socket has accepted the last one,
        // and a socket on loopback accepts megabytes before the server has read them: with 3 MB of
        // rows the first connection to begin its COPY could take them all. Rows beyond what one
        // connection's socket buffers can ever hold leave blocks for the second, and at 1.6 KB
        // a row, each checked for 50 ms, the first needs minutes to make room for the next 16 MB.
        const int payloadRepeat = 50;
        var rows = (int)((SocketBufferLimitBytes() + (16L << 20)) / (payloadRepeat * 32)) + 1;
        var (path, role) = GatedArchive("deadsplit", "PERFORM pg_catalog.pg_sleep(0.05);", payloadRepeat, rows);
        using var doomed = PostgresCluster.Start("doomedsplit", _pg.NewFolder("doomedsplitcluster"));
        var target = _pg.NewDatabaseName("deadsplit");
        Credentials.Connect(_ps, "dst", doomed, target);
        var before = Environment.GetEnvironmentVariable(ParallelLoadMinimumBytes);
        Environment.SetEnvironmentVariable(ParallelLoadMinimumBytes, "1");
        PipelineResult result;
        try
        {
            using var running = _ps.Start("Restore-HydraDump -Path $args[0] -Connection $dst -CreateDatabase -CreateMissingRole -Jobs 2 -Verbose", path);
            if (!running.WaitUntil(() => Copying(doomed, target, atLeast: 2, table: "public.gated"), TimeSpan.FromSeconds(120)))
            {
                // Say what the restore did instead: its errors and its last steps.
                var finished = running.Wait();
                Assert.Fail("The split load never copied over two connections. Errors: " + string.Join(" | ", finished.Errors.Select(e => e.ToString()))
                    + " Split loads: " + string.Join(" | ", finished.Verbose.Where(v => v.StartsWith("Load", StringComparison.Ordinal)))
                    + " Last steps: " + string.Join(" | ", finished.Verbose.TakeLast(12)));
            }

            ExternalCommand.RunAsPostgres(Path.Combine(PostgresCluster.BinFolder, "pg_ctl"), new[] { "-D", doomed.DataFolder, "-m", "immediate", "-w", "stop" });
            result = running.Wait();
        }
        finally
        {
            Environment.SetEnvironmentVariable(ParallelLoadMinimumBytes, before);
        }

        Assert.Contains(result.Verbose, v => v.Contains("Loading the rows of public.gated over 2 connections at once", StringComparison.Ordinal));
        var error = Assert.Single(result.Errors);
        Assert.Equal("TargetConnectionLost," + RestoreCmd, error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
        Assert.Contains("went away during the restore", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains($"Left behind: the database '{target}' and the role(s) '{role}'", error.Exception.Message, StringComparison.Ordinal);
        Assert.Empty(result.Output);
        Assert.False(PgRestoreRunsOn(path));
        Assert.False(PasswordOnDisk(doomed.SuperPassword), "a private folder with the target's password was left in the temp folder");
    }

    /// <summary>The most one TCP connection here can hold unread: the kernel's largest send buffer and largest receive buffer.</summary>
    private static long SocketBufferLimitBytes() =>
        new[] { "/proc/sys/net/ipv4/tcp_wmem", "/proc/sys/net/ipv4/tcp_rmem" }
            .Sum(file => long.Parse(File.ReadAllText(file).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[2], CultureInfo.InvariantCulture));

    private static string Message(PipelineResult result, string id) =>
        result.Errors.Single(e => e.FullyQualifiedErrorId.StartsWith(id + ",", StringComparison.Ordinal)).Exception.Message;

    /// <summary>Whether at least <paramref name="atLeast"/> sessions are in a COPY into <paramref name="database"/> (into <paramref name="table"/>, when given) right now.</summary>
    private static bool Copying(PostgresCluster cluster, string database, int atLeast = 1, string table = "")
    {
        try
        {
            return cluster.Count("postgres", $"SELECT count(*) FROM pg_stat_activity WHERE datname = '{database}' AND query ILIKE 'COPY {table}%' AND state = 'active'") >= atLeast;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>
    /// A dump whose table "gated" (owned by a role the target lacks) has a CHECK that runs
    /// <paramref name="onRestore"/> for each row, unless hydra_test.mode is 'pass' (as while the
    /// source is filled): a deterministic failure, or a slow COPY, in the middle of a real restore.
    /// Its payload is an md5 text <paramref name="payloadRepeat"/> times over, in <paramref name="rows"/> rows.
    /// </summary>
    private (string Path, string Role) GatedArchive(string stem, string onRestore, int payloadRepeat = 1, int rows = GatedRows)
    {
        var role = "gate_owner_" + Guid.NewGuid().ToString("N")[..6];
        var source = _pg.NewDatabaseName("gated_" + stem);
        _pg.Source.Execute("postgres", $"CREATE DATABASE {source}");
        _pg.Source.Execute("postgres", $"CREATE ROLE {role} NOLOGIN");
        _pg.Source.Execute(source, $@"
CREATE FUNCTION public.hydra_test_gate(i int) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('hydra_test.mode', true), '') = 'pass' THEN RETURN true; END IF;
  {onRestore}
  RETURN true;
END $$;
CREATE TABLE public.plain (id int PRIMARY KEY, payload text);
CREATE TABLE public.gated (id int CHECK (public.hydra_test_gate(id)), payload text);
ALTER TABLE public.gated OWNER TO {role};
SET hydra_test.mode = 'pass';
INSERT INTO public.plain SELECT g, md5(g::text) FROM generate_series(1, 500) g;
INSERT INTO public.gated SELECT g, repeat(md5(g::text), {payloadRepeat}) FROM generate_series(1, {rows}) g;");
        Credentials.Connect(_ps, "gsrc", _pg.Source, source);
        var path = Path.Combine(_pg.NewFolder("gated-" + stem), "gated.dump");
        Assert.Empty(_ps.Run("New-HydraDump -Connection $gsrc -Path $args[0]", path).Errors);
        return (path, role);
    }

    /// <summary>Whether any file in a private "hydra-…" folder under the temp folder holds <paramref name="password"/>.</summary>
    private static bool PasswordOnDisk(string password) =>
        Leftovers.FilesHolding(password, Directory.GetDirectories(Path.GetTempPath(), "hydra-*").Where(d => Path.GetFileName(d) != "hydra-tests").ToArray()).Count > 0;

    private static bool PgRestoreRunsOn(string path) => Leftovers.Processes("pg_restore", path).Count > 0;
}
