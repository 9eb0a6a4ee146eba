using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Restore;

[Collection(PostgresCollection.Name)]
public sealed class RestoreHydraDumpTests : IDisposable
{
    private const string RestoreCmd = "HydraMigration.Commands.RestoreHydraDumpCommand";
    /// <summary>The options SampleDatabase gives sales.events, as <see cref="OptionsQuery"/> prints them.</summary>
    private const string SourceOptions = "5000/50000/lz4/5";
    private const string OptionsQuery = "SELECT chunk_group_row_limit || '/' || stripe_row_limit || '/' || compression || '/' || compression_level FROM columnar.options WHERE regclass = 'sales.events'::regclass";
    private readonly PostgresFixture _pg;
    private readonly PowerShellSession _ps = new();

    public RestoreHydraDumpTests(PostgresFixture pg)
    {
        _pg = pg;
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
    }

    public void Dispose() => _ps.Dispose();

    [Fact]
    public void RestoresIntoANewDatabaseWithRowsColumnarOptionsAndSettings()
    {
        var target = _pg.NewDatabaseName("restored");
        Credentials.Connect(_ps, "dst", _pg.Target, target);
        var result = _ps.Run("New-HydraDump -Connection $src -Path $args[0] | Restore-HydraDump -Connection $dst -CreateDatabase", Path.Combine(_pg.NewFolder("restore"), "shop.dump"));

        Assert.Empty(result.Errors);
        var restore = result.Output.Single();
        Assert.True((bool)restore.Properties["Succeeded"].Value);
        Assert.Equal(1, (int)restore.Properties["ColumnarTablesConfigured"].Value);
        Assert.Equal(3, (int)restore.Properties["SettingsApplied"].Value);
        Assert.Equal($"127.0.0.1:{_pg.Target.Port}/{target}", restore.Properties["Target"].Value);

        foreach (var table in new[] { "sales.customers", "sales.\"order lines\"", "sales.events", "audit.log", "public.measurements" })
        {
            Assert.Equal(_pg.Source.Count(_pg.Sample, "SELECT count(*) FROM " + table), _pg.Target.Count(target, "SELECT count(*) FROM " + table));
        }

        Assert.Equal(_pg.Source.Psql(_pg.Sample, "SELECT string_agg(name, ',' ORDER BY id) FROM sales.customers"), _pg.Target.Psql(target, "SELECT string_agg(name, ',' ORDER BY id) FROM sales.customers"));
        Assert.Equal("columnar", _pg.Target.Psql(target, "SELECT amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE c.oid = 'sales.events'::regclass"));
        Assert.Equal(SourceOptions, _pg.Target.Psql(target, OptionsQuery));
        Assert.Equal(_pg.Source.Psql("postgres", $"SELECT array_to_string(setconfig, ',') FROM pg_db_role_setting WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = '{_pg.Sample}')"),
                     _pg.Target.Psql("postgres", $"SELECT array_to_string(setconfig, ',') FROM pg_db_role_setting WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = '{target}')"));
        Assert.Equal(SampleDatabase.OwnerRole, _pg.Target.Psql(target, "SELECT tableowner FROM pg_tables WHERE schemaname = 'sales' AND tablename = 'customers'"));
        Assert.Empty(_ps.Host.Prompts);
    }

    [Fact]
    public void PlainPgRestoreLosesTheColumnarOptionsAndTheSettings()
    {
        // Why the module exists: the same archive through bare pg_restore.
        var path = Path.Combine(_pg.NewFolder("plain"), "shop.dump");
        Assert.Empty(_ps.Run("New-HydraDump -Connection $src -Path $args[0]", path).Errors);
        var target = _pg.NewDatabaseName("bare");
        _pg.Target.Execute("postgres", $"CREATE DATABASE {target} TEMPLATE template0");
        ExternalCommand.Run(Path.Combine(PostgresCluster.BinFolder, "pg_restore"), new[] { "-d", target, path }, _pg.Target.Environment(target), check: false);

        Assert.Equal("columnar", _pg.Target.Psql(target, "SELECT amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE c.oid = 'sales.events'::regclass"));
        // Not "no row": real Hydra writes a row of its default options when pg_restore creates the
        // table (the stand-in writes none). What is lost either way is the source's options.
        Assert.NotEqual(SourceOptions, _pg.Target.Psql(target, OptionsQuery));
        Assert.Equal("0", _pg.Target.Psql("postgres", $"SELECT count(*) FROM pg_db_role_setting WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = '{target}')"));
    }

    [Theory]
    [InlineData("Custom", "p.dump")]
    [InlineData("Directory", "p.d")]
    public void ParallelRestoreWithTwoJobs(string format, string name)
    {
        var target = _pg.NewDatabaseName("jobs");
        Credentials.Connect(_ps, "dst", _pg.Target, target);
        var result = _ps.Run("New-HydraDump -Connection $src -Path $args[0] -Format $args[1] | Restore-HydraDump -Connection $dst -CreateDatabase -Jobs 2 -Verbose", Path.Combine(_pg.NewFolder("jobs"), name), format);
        Assert.Empty(result.Errors);
        Assert.Contains(result.Verbose, v => v.Contains("--jobs=2", StringComparison.Ordinal));
        Assert.Equal(SampleDatabase.OrderLines.ToString(System.Globalization.CultureInfo.InvariantCulture), _pg.Target.Psql(target, "SELECT count(*) FROM sales.\"order lines\""));
        Assert.Equal(SourceOptions, _pg.Target.Psql(target, OptionsQuery));
        Assert.NotEmpty(result.Progress);
    }

    [Fact]
    public void RestoresOnlyTheEntriesPipedFromGetHydraDumpContent()
    {
        var path = Path.Combine(_pg.NewFolder("select"), "shop.dump");
        Assert.Empty(_ps.Run("New-HydraDump -Connection $src -Path $args[0]", path).Errors);
        var target = _pg.NewDatabaseName("selected");
        _pg.Target.Execute("postgres", $"CREATE DATABASE {target} TEMPLATE template0");
        Credentials.Connect(_ps, "dst", _pg.Target, target);

        var result = _ps.Run("Get-HydraDumpContent $args[0] | Where-Object { $_.Schema -eq 'audit' -or ($_.Type -eq 'SCHEMA' -and $_.Name -eq 'audit') } | Restore-HydraDump -Connection $dst", path);
        Assert.Empty(result.Errors);
        Assert.Equal(SampleDatabase.AuditRows.ToString(System.Globalization.CultureInfo.InvariantCulture), _pg.Target.Psql(target, "SELECT count(*) FROM audit.log"));
        Assert.Equal("0", _pg.Target.Psql(target, "SELECT count(*) FROM pg_tables WHERE schemaname = 'sales'"));
        Assert.True((int)result.Output.Single().Properties["EntriesRestored"].Value >= 3); // schema, table, data (+ ACL, comments)
    }

    [Fact]
    public void NoTableAccessMethodLandsColumnarTablesAsHeap()
    {
        var target = _pg.NewDatabaseName("heap");
        Credentials.Connect(_ps, "dst", _pg.Target, target);
        var result = _ps.Run("New-HydraDump -Connection $src -Path $args[0] | Restore-HydraDump -Connection $dst -CreateDatabase -NoTableAccessMethod", Path.Combine(_pg.NewFolder("heap"), "shop.dump"));
        Assert.Empty(result.Errors);
        Assert.Contains(result.Warnings, w => w.Contains("restores 1 columnar table(s) as heap", StringComparison.Ordinal));
        Assert.Equal("heap", _pg.Target.Psql(target, "SELECT amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE c.oid = 'sales.events'::regclass"));
        Assert.Equal(SampleDatabase.Events.ToString(System.Globalization.CultureInfo.InvariantCulture), _pg.Target.Psql(target, "SELECT count(*) FROM sales.events"));
    }

    [Fact]
    public void ANonEmptyTargetIsRefusedUnlessCleanOrForce()
    {
        var path = Path.Combine(_pg.NewFolder("nonempty"), "shop.dump");
        Assert.Empty(_ps.Run("New-HydraDump -Connection $src -Path $args[0]", path).Errors);
        var target = _pg.NewDatabaseName("nonempty");
        _pg.Target.Execute("postgres", $"CREATE DATABASE {target} TEMPLATE template0");
        _pg.Target.Execute(target, "CREATE TABLE precious (id int); INSERT INTO precious VALUES (42);");
        Credentials.Connect(_ps, "dst", _pg.Target, target);

        var refused = _ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst", path);
        Assert.Equal("TargetNotEmpty," + RestoreCmd, Assert.Single(refused.Errors).FullyQualifiedErrorId);
        Assert.Empty(refused.Output);
        Assert.Equal("0", _pg.Target.Psql(target, "SELECT count(*) FROM pg_namespace WHERE nspname = 'sales'"));

        var clean = _ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -Clean", path);
        Assert.Empty(clean.Errors);
        Assert.Equal("42", _pg.Target.Psql(target, "SELECT id FROM precious"));
        Assert.Equal(SampleDatabase.Customers.ToString(System.Globalization.CultureInfo.InvariantCulture), _pg.Target.Psql(target, "SELECT count(*) FROM sales.customers"));

        // -Force over existing objects: pg_restore's failures come back as structured errors.
        var forced = _ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -Force", path);
        Assert.Contains("PgRestoreObjectExists," + RestoreCmd, forced.ErrorIds);
        var issue = forced.Errors.Select(e => e.TargetObject).OfType<object>().Select(PSObject.AsPSObject).First(o => (string)o.Properties["ErrorId"].Value == "PgRestoreObjectExists");
        Assert.NotNull(issue.Properties["TocEntry"].Value);
        Assert.Matches(@"^(sales|audit|public)\.", (string)issue.Properties["ObjectName"].Value); // schema-qualified, from the TOC
        Assert.Contains("already exists", (string)issue.Properties["Message"].Value, StringComparison.Ordinal);
        Assert.StartsWith("CREATE TABLE", (string)issue.Properties["Command"].Value, StringComparison.Ordinal);
        Assert.False((bool)forced.Output.Single().Properties["Succeeded"].Value);

        // Rows again into the same tables: COPY failures carry their TOC entry and their own id.
        var again = _ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -DataOnly -Table customers", path);
        var duplicate = again.Errors.Single(e => e.FullyQualifiedErrorId.StartsWith("PgRestoreDuplicateKey", StringComparison.Ordinal));
        Assert.Equal(System.Management.Automation.ErrorCategory.ResourceExists, duplicate.CategoryInfo.Category);
        var copyIssue = PSObject.AsPSObject(duplicate.TargetObject);
        Assert.NotNull(copyIssue.Properties["TocEntry"].Value);
        Assert.Equal("TABLE DATA", copyIssue.Properties["ObjectType"].Value);
        Assert.Null(copyIssue.Properties["SqlState"].Value);
    }

    [Fact]
    public void PreflightReportsEveryProblemBeforeWritingAnything()
    {
        // A source with what a target may lack: an extension only the source has, a collation
        // and the columnar access method that a selection without their entries will not create,
        // and an owner role the target does not have.
        var source = _pg.NewDatabaseName("preflight");
        var shareDir = ExternalCommand.Run(Path.Combine(PostgresCluster.BinFolder, "pg_config"), new[] { "--sharedir" }).Trim();
        var control = Path.Combine(shareDir, "extension", "hydra_test_vanishing.control");
        var script = Path.Combine(shareDir, "extension", "hydra_test_vanishing--1.0.sql");
        File.WriteAllText(control, "comment = 'HydraMigration test: an extension the target will not have'\ndefault_version = '1.0'\nrelocatable = true\n");
        File.WriteAllText(script, "CREATE FUNCTION hydra_test_vanishing() RETURNS int LANGUAGE sql AS 'SELECT 1';\n");
        var role = "only_on_source_" + Guid.NewGuid().ToString("N")[..6];
        _pg.Source.Execute("postgres", $"CREATE DATABASE {source}");
        _pg.Source.Execute("postgres", $"CREATE ROLE {role} NOLOGIN");
        _pg.Source.Execute(source, $@"CREATE EXTENSION hydra_test_vanishing; CREATE EXTENSION columnar;
            CREATE COLLATION public.hydra_test_coll (locale = 'C.utf8');
            CREATE TABLE public.t (id int, name text COLLATE public.hydra_test_coll) USING columnar;
            ALTER TABLE public.t OWNER TO {role};");
        Credentials.Connect(_ps, "pre", _pg.Source, source);
        var path = Path.Combine(_pg.NewFolder("preflight"), "p.dump");
        Assert.Empty(_ps.Run("New-HydraDump -Connection $pre -Path $args[0]", path).Errors);
        File.Delete(control); // the server no longer offers it: just like a target without it
        File.Delete(script);

        var target = _pg.NewDatabaseName("preflighttarget");
        _pg.Target.Execute("postgres", $"CREATE DATABASE {target} TEMPLATE template0");
        Credentials.Connect(_ps, "dst", _pg.Target, target);
        var result = _ps.Run("Get-HydraDumpContent $args[0] | Where-Object { $_.Type -ne 'COLLATION' -and -not ($_.Type -eq 'EXTENSION' -and $_.Name -eq 'columnar') } | Restore-HydraDump -Connection $dst", path);

        Assert.Equal(
            new[] { "CollationMissing", "ColumnarAccessMethodMissing", "ExtensionNotAvailable", "RoleMissing" },
            result.ErrorIds.Select(id => id.Split(',')[0]).Order());
        Assert.Contains(role, result.Errors.Single(e => e.FullyQualifiedErrorId.StartsWith("RoleMissing", StringComparison.Ordinal)).Exception.Message, StringComparison.Ordinal);
        Assert.Contains("-NoTableAccessMethod", result.Errors.Single(e => e.FullyQualifiedErrorId.StartsWith("ColumnarAccessMethodMissing", StringComparison.Ordinal)).Exception.Message, StringComparison.Ordinal);
        Assert.Empty(result.Output);
        Assert.Equal("0", _pg.Target.Psql(target, "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace"));

        // -CreateMissingRole fixes the roles; -WhatIf shows the plan and still writes nothing.
        var whatIf = _ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -CreateMissingRole -WhatIf", path);
        Assert.DoesNotContain(whatIf.ErrorIds, id => id.StartsWith("RoleMissing", StringComparison.Ordinal));
        Assert.Equal("0", _pg.Target.Count("postgres", $"SELECT count(*) FROM pg_roles WHERE rolname = '{role}'").ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void PreflightCatchesAnEncodingTheTargetCannotHoldAndAnOlderTargetServer()
    {
        var path = Path.Combine(_pg.NewFolder("encoding"), "shop.dump");
        Assert.Empty(_ps.Run("New-HydraDump -Connection $src -Path $args[0]", path).Errors);

        // PostgreSQL 15 is all this machine has: the manifest says the source ran 16.
        var manifestPath = path + ".manifest.json";
        File.WriteAllText(manifestPath, File.ReadAllText(manifestPath).Replace("\"serverVersionNum\": 150", "\"serverVersionNum\": 160", StringComparison.Ordinal));

        var target = _pg.NewDatabaseName("latin1");
        _pg.Target.Execute("postgres", $"CREATE DATABASE {target} TEMPLATE template0 ENCODING 'LATIN1' LOCALE 'C'");
        Credentials.Connect(_ps, "dst", _pg.Target, target);
        var result = _ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst", path);

        Assert.Equal(new[] { "EncodingMismatch", "TargetServerOlder" }, result.ErrorIds.Select(id => id.Split(',')[0]).Order());
        Assert.Contains("PostgreSQL 16", result.Errors.Single(e => e.FullyQualifiedErrorId.StartsWith("TargetServerOlder", StringComparison.Ordinal)).Exception.Message, StringComparison.Ordinal);
        Assert.Contains("LATIN1", result.Errors.Single(e => e.FullyQualifiedErrorId.StartsWith("EncodingMismatch", StringComparison.Ordinal)).Exception.Message, StringComparison.Ordinal);
        Assert.Empty(result.Output);
        Assert.Equal("0", _pg.Target.Psql(target, "SELECT count(*) FROM pg_namespace WHERE nspname = 'sales'"));
    }

    [Fact]
    public void AHydraDatabaseFromThePipelineIsTheTarget()
    {
        var path = Path.Combine(_pg.NewFolder("piped"), "shop.dump");
        Assert.Empty(_ps.Run("New-HydraDump -Connection $src -Path $args[0]", path).Errors);
        Credentials.Connect(_ps, "server", _pg.Target, "postgres");
        var name = _pg.NewDatabaseName("piped");
        var result = _ps.Run("New-HydraDatabase -Connection $server -Name $args[0] -Extension columnar | Restore-HydraDump -Path $args[1]", name, path);
        Assert.Empty(result.Errors);
        Assert.Equal($"127.0.0.1:{_pg.Target.Port}/{name}", result.Output.Single().Properties["Target"].Value);
        Assert.Equal(SampleDatabase.Customers.ToString(System.Globalization.CultureInfo.InvariantCulture), _pg.Target.Psql(name, "SELECT count(*) FROM sales.customers"));
        Assert.Equal("0", _pg.Target.Psql("postgres", "SELECT count(*) FROM pg_namespace WHERE nspname = 'sales'"));
    }

    [Fact]
    public void ASchemaRestorePlansOnlyWhatItRestores()
    {
        var target = _pg.NewDatabaseName("schemaonly");
        Credentials.Connect(_ps, "dst", _pg.Target, target);
        var path = Path.Combine(_pg.NewFolder("schema"), "s.dump");
        Assert.Empty(_ps.Run("New-HydraDump -Connection $src -Path $args[0]", path).Errors);

        // pg_restore --schema does not create the schema: the preflight says so up front.
        var refused = _ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -CreateDatabase -Schema audit", path);
        Assert.Equal("SchemaMissing," + RestoreCmd, Assert.Single(refused.Errors).FullyQualifiedErrorId);

        _ps.Run("New-HydraDatabase -Connection $dst -Name $args[0]", target);
        _pg.Target.Execute(target, "CREATE SCHEMA audit");
        var result = _ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -Schema audit", path);
        Assert.Empty(result.Errors);
        var restore = result.Output.Single();
        Assert.True((bool)restore.Properties["Succeeded"].Value);
        Assert.Equal(0, (int)restore.Properties["ColumnarTablesConfigured"].Value);
        Assert.Equal(0, (int)restore.Properties["SettingsApplied"].Value);
        Assert.Equal(SampleDatabase.AuditRows.ToString(System.Globalization.CultureInfo.InvariantCulture), _pg.Target.Psql(target, "SELECT count(*) FROM audit.log"));
        Assert.Equal("0", _pg.Target.Psql(target, "SELECT count(*) FROM pg_namespace WHERE nspname = 'sales'"));
    }

    [Fact]
    public void CreateDatabaseLeavesNothingWhenThePreflightFailsAndWhatIfShowsThePlan()
    {
        var path = Path.Combine(_pg.NewFolder("createpre"), "shop.dump");
        Assert.Empty(_ps.Run("New-HydraDump -Connection $src -Path $args[0]", path).Errors);
        var target = _pg.NewDatabaseName("createpre");
        Credentials.Connect(_ps, "dst", _pg.Target, target);

        var whatIf = _ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -CreateDatabase -Jobs 2 -WhatIf", path);
        Assert.Empty(whatIf.Errors);
        Assert.Contains("Create database (encoding UTF8, template template0) and restore shop.dump", _ps.Host.Text, StringComparison.Ordinal);
        Assert.Contains("set columnar options on 1 table(s)", _ps.Host.Text, StringComparison.Ordinal);

        var manifestPath = path + ".manifest.json";
        File.WriteAllText(manifestPath, File.ReadAllText(manifestPath).Replace("\"serverVersionNum\": 150", "\"serverVersionNum\": 160", StringComparison.Ordinal));
        var refused = _ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -CreateDatabase", path);
        Assert.Equal("TargetServerOlder," + RestoreCmd, Assert.Single(refused.Errors).FullyQualifiedErrorId);
        Assert.Equal("0", _pg.Target.Psql("postgres", $"SELECT count(*) FROM pg_database WHERE datname = '{target}'"));
    }

    [Fact]
    public void NoTableAccessMethodMeansHeapEvenWhereTheServerDefaultsToColumnar()
    {
        var path = Path.Combine(_pg.NewFolder("hydradefault"), "shop.dump");
        Assert.Empty(_ps.Run("New-HydraDump -Connection $src -Path $args[0]", path).Errors);
        var target = _pg.NewDatabaseName("hydradefault");
        _pg.Target.Execute("postgres", $"CREATE DATABASE {target} TEMPLATE template0");
        _pg.Target.Execute(target, "CREATE EXTENSION columnar");
        _pg.Target.Execute("postgres", $"ALTER DATABASE {target} SET default_table_access_method = 'columnar'"); // as Hydra images do
        Credentials.Connect(_ps, "dst", _pg.Target, target);

        var result = _ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -NoTableAccessMethod -Force", path);
        Assert.Empty(result.Errors);
        Assert.Equal("heap,heap", _pg.Target.Psql(target, "SELECT string_agg(amname, ',' ORDER BY c.relname) FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE c.relname IN ('events', 'customers')"));
    }

    [Fact]
    public void OptionCombinationsPgRestoreWouldRejectHalfwayAreRefusedFirst()
    {
        var folder = _pg.NewFolder("combos");
        var tar = Path.Combine(folder, "shop.tar");
        Assert.Empty(_ps.Run("New-HydraDump -Connection $src -Path $args[0] -Format Tar", tar).Errors);
        Credentials.Connect(_ps, "dst", _pg.Target, "postgres");
        Assert.Equal("JobsNeedCustomOrDirectory," + RestoreCmd, Assert.Single(_ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -Jobs 2", tar).Errors).FullyQualifiedErrorId);
        Assert.Equal("CleanWithDataOnly," + RestoreCmd, Assert.Single(_ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -Clean -DataOnly", tar).Errors).FullyQualifiedErrorId);
        Assert.Equal("SingleTransactionWithJobs," + RestoreCmd, Assert.Single(_ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -SingleTransaction -Jobs 2", tar).Errors).FullyQualifiedErrorId);
    }

    [Fact]
    public void CreateMissingRoleCreatesNologinRolesAndRestores()
    {
        var role = "made_by_restore_" + Guid.NewGuid().ToString("N")[..6];
        var source = _pg.NewDatabaseName("roles");
        _pg.Source.Execute("postgres", $"CREATE DATABASE {source}");
        _pg.Source.Execute("postgres", $"CREATE ROLE {role} NOLOGIN");
        _pg.Source.Execute(source, $"CREATE TABLE owned (id int); ALTER TABLE owned OWNER TO {role}; INSERT INTO owned VALUES (1), (2);");
        Credentials.Connect(_ps, "rs", _pg.Source, source);
        var target = _pg.NewDatabaseName("rolestarget");
        Credentials.Connect(_ps, "dst", _pg.Target, target);

        var result = _ps.Run("New-HydraDump -Connection $rs -Path $args[0] | Restore-HydraDump -Connection $dst -CreateDatabase -CreateMissingRole", Path.Combine(_pg.NewFolder("roles"), "r.dump"));
        Assert.Empty(result.Errors);
        Assert.Equal(new[] { role }, ((IEnumerable<object>)result.Output.Single().Properties["RolesCreated"].Value).Select(o => o.ToString()));
        Assert.Equal("f", _pg.Target.Psql("postgres", $"SELECT rolcanlogin FROM pg_roles WHERE rolname = '{role}'"));
        Assert.Equal(role, _pg.Target.Psql(target, "SELECT tableowner FROM pg_tables WHERE tablename = 'owned'"));
    }

    [Fact]
    public void AHostileTargetDatabaseName()
    {
        var path = Path.Combine(_pg.NewFolder("hostile"), "shop.dump");
        Assert.Empty(_ps.Run("New-HydraDump -Connection $src -Path $args[0]", path).Errors);
        var target = "host=evil dbname='x' \"Zoë\" \\ " + Guid.NewGuid().ToString("N")[..6];
        Credentials.Connect(_ps, "dst", _pg.Target, target);
        var result = _ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -CreateDatabase", path);
        Assert.Empty(result.Errors);
        var literal = "'" + target.Replace("'", "''", StringComparison.Ordinal) + "'";
        Assert.Equal("1", _pg.Target.Psql("postgres", $"SELECT count(*) FROM pg_database WHERE datname = {literal}"));
        var env = _pg.Target.Environment(target);
        Assert.Equal(SampleDatabase.Customers.ToString(System.Globalization.CultureInfo.InvariantCulture), ExternalCommand.Run(Path.Combine(PostgresCluster.BinFolder, "psql"), new[] { "-X", "-A", "-t", "-c", "SELECT count(*) FROM sales.customers" }, env).Trim());
    }

    [Fact]
    public void TruncatedAndForeignArchivesAreRefusedBeforeTheTargetIsTouched()
    {
        var folder = _pg.NewFolder("badarchive");
        var path = Path.Combine(folder, "shop.dump");
        Assert.Empty(_ps.Run("New-HydraDump -Connection $src -Path $args[0]", path).Errors);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes.Take(bytes.Length * 2 / 3).ToArray());
        var junk = Path.Combine(folder, "junk.dump");
        File.WriteAllText(junk, "this is not an archive");
        var target = _pg.NewDatabaseName("badarchive");
        Credentials.Connect(_ps, "dst", _pg.Target, target);

        Assert.Equal("ArchiveCorrupt," + RestoreCmd, Assert.Single(_ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -CreateDatabase", path).Errors).FullyQualifiedErrorId); // its manifest knows the size
        File.Delete(path + ".manifest.json");
        Assert.Equal("ArchiveTruncated," + RestoreCmd, Assert.Single(_ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -CreateDatabase", path).Errors).FullyQualifiedErrorId);
        Assert.Equal("ArchiveNotRecognized," + RestoreCmd, Assert.Single(_ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -CreateDatabase", junk).Errors).FullyQualifiedErrorId);
        Assert.Equal("0", _pg.Target.Psql("postgres", $"SELECT count(*) FROM pg_database WHERE datname = '{target}'")); // -CreateDatabase never ran
    }

    [Fact]
    public void CtrlCMidRestoreKillsPgRestore()
    {
        var path = Path.Combine(_pg.NewFolder("ctrlcrestore"), "big.dump");
        Credentials.Connect(_ps, "big", _pg.Source, _pg.Big);
        Assert.Empty(_ps.Run("New-HydraDump -Connection $big -Path $args[0] -SkipRowCount", path).Errors);
        var target = _pg.NewDatabaseName("ctrlc");
        Credentials.Connect(_ps, "dst", _pg.Target, target);

        using var running = _ps.Start("Restore-HydraDump -Path $args[0] -Connection $dst -CreateDatabase", path);
        Assert.True(running.WaitUntil(() => _pg.Target.Count("postgres", $"SELECT count(*) FROM pg_stat_activity WHERE datname = '{target}' AND query ILIKE 'COPY%'") > 0, TimeSpan.FromSeconds(120)), "pg_restore never started copying");
        var took = running.Stop();
        running.Wait();
        Assert.True(running.WasStopped);
        Assert.True(took < TimeSpan.FromSeconds(15), "stopping took " + took);
        Assert.Equal("0", _pg.Target.Psql("postgres", $"SELECT count(*) FROM pg_database WHERE datname = '{target}'")); // created by this call, so dropped
        Assert.Empty(Leftovers.Processes("pg_restore", path));
    }

    [Fact]
    public void DefaultViewShowsTheResult()
    {
        var target = _pg.NewDatabaseName("view");
        Credentials.Connect(_ps, "dst", _pg.Target, target);
        _ps.Run("New-HydraDump -Connection $src -Path $args[0] | Restore-HydraDump -Connection $dst -CreateDatabase | Out-Default", Path.Combine(_pg.NewFolder("rview"), "v.dump"));
        Assert.Matches(@"Target\s+Dump\s+Entries\s+Columnar\s+Settings\s+Errors\s+Warnings\s+Duration\s+Succeeded", _ps.Host.Text);
        Assert.Matches(@"127\.0\.0\.1:\d+/" + target + @"\s+v\.dump\s+\d+\s+1\s+3\s+0\s+\d+\s+[\d:]+\s+True", _ps.Host.Text);
    }
}
