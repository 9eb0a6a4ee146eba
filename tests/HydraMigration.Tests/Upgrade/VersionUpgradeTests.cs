using System;
using System.IO;
using System.Linq;
using HydraMigration.Tests.Harness;
using static HydraMigration.Tests.Validation.ValidationAssertions;

namespace HydraMigration.Tests.Upgrade;

/// <summary>
/// The seed's second use case: a major-version upgrade, from PostgreSQL 13 and 14 servers into
/// the PostgreSQL 15 Target with our PostgreSQL 15 pg_dump and pg_restore; and servers newer
/// than those tools (16), which must be refused with the version to install.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class VersionUpgradeTests : IClassFixture<OtherMajorServers>, IDisposable
{
    private const string DumpCmd = "HydraMigration.Commands.NewHydraDumpCommand";
    private const string RestoreCmd = "HydraMigration.Commands.RestoreHydraDumpCommand";

    // What PostgreSQL majors print differently: a procedure's arguments (13 writes no IN, 14+
    // do), with INOUT, VARIADIC and defaults holding ", " inside a literal and an array; view
    // text with SQL-standard syntax (EXTRACT, SUBSTRING, TRIM) that 14 began to print as written.
    private const string VersionSensitiveObjects = @"
CREATE SCHEMA shop;
CREATE TABLE shop.items (id int PRIMARY KEY, title varchar(40) NOT NULL, placed timestamptz NOT NULL, price numeric(8,2));
INSERT INTO shop.items SELECT g, 'item ' || g, TIMESTAMPTZ '2025-01-01 00:00:00+00' + g * INTERVAL '1 day', g / 4.0 FROM generate_series(1, 200) g;
CREATE VIEW shop.item_years AS
    SELECT EXTRACT(year FROM placed) AS y, substring(title FROM 1 FOR 4) AS prefix, trim(both ' ' FROM title) AS trimmed,
           string_agg(title, ', ' ORDER BY id) AS titles, count(*) FILTER (WHERE price > 10) AS dear,
           sum(price) OVER (PARTITION BY EXTRACT(year FROM placed)) AS yearly
    FROM shop.items WHERE title LIKE 'item%' AND id = ANY (ARRAY[1, 2, 3]) GROUP BY 1, 2, 3, price, placed;
CREATE PROCEDURE shop.adjust(INOUT n int, label text DEFAULT 'a, b', VARIADIC more int[] DEFAULT ARRAY[1, 2])
    LANGUAGE plpgsql AS $$ BEGIN n := n + coalesce(array_length(more, 1), 0); END $$;
CREATE PROCEDURE shop.noop() LANGUAGE sql AS $$ SELECT 1 $$;
";

    private readonly PostgresFixture _pg;
    private readonly OtherMajorServers _servers;
    private readonly PowerShellSession _ps = new();

    public VersionUpgradeTests(PostgresFixture pg, OtherMajorServers servers)
    {
        _pg = pg;
        _servers = servers;
    }

    public void Dispose() => _ps.Dispose();

    [Theory]
    [InlineData(13)]
    [InlineData(14)]
    public void ARichDatabaseUpgradesTo15AndEveryCheckPassesAgainstTheManifestAndTheLiveSource(int major)
    {
        var server = _servers.Of(major, _pg);
        var source = RichDatabase.Create(server, _pg.NewDatabaseName("rich" + major), stockMoves: 5000);
        var target = _pg.NewDatabaseName("upgraded" + major);
        Credentials.Connect(_ps, "src", server, source);
        Credentials.Connect(_ps, "dst", _pg.Target, target);

        var chain = _ps.Run("New-HydraDump -Connection $src -Path $args[0] | Restore-HydraDump -Connection $dst -CreateDatabase | Test-HydraMigration", Path.Combine(_pg.NewFolder("upgrade" + major), "rich.dump"));
        Assert.Empty(chain.Errors);
        Assert.Empty(Problems(chain));
        Assert.Empty(chain.Warnings);
        Assert.Superset(
            new[] { "Schema", "Table", "RowCount", "View", "Function", "Index", "Constraint", "Sequence", "Trigger", "Extension", "ColumnarOptions", "DatabaseSetting", "Ownership" }.ToHashSet(),
            Categories(chain));
        Assert.Contains(chain.Output, o => Describe(o) == "Pass View reporting.product_sales Definition");
        Assert.Contains(chain.Output, o => Describe(o) == "Pass Function inventory.restock(IN p_product bigint, IN p_qty integer) DefinitionHash");
        Assert.Contains(chain.Output, o => Describe(o) == "Pass ColumnarOptions inventory.events Options");
        Assert.Contains(chain.Output, o => Describe(o) == "Pass DatabaseSetting app.region Value");

        // pg_dump carries the pre-15 public schema (owned by the bootstrap superuser, CREATE for
        // PUBLIC) to the 15 target rather than 15's default (pg_database_owner, no CREATE): the
        // upgrade is faithful, and the validation holds it to the source's owner.
        Assert.Contains(chain.Output, o => Describe(o) == "Pass Ownership public Owner" && (string)o.Properties["TargetValue"].Value == PostgresCluster.SuperUser);
        Assert.Equal("t", _pg.Target.Psql(target, "SELECT has_schema_privilege('public', 'public', 'CREATE')"));

        var live = _ps.Run("Test-HydraMigration -Connection $dst -Source $src -DataChecksum");
        Assert.Empty(live.Errors);
        Assert.Empty(Problems(live));
        Assert.Empty(live.Warnings);
        Assert.Contains(live.Output, o => o.Properties["Category"].Value.ToString() == "DataChecksum");
    }

    [Theory]
    [InlineData(13)]
    [InlineData(14)]
    public void TextThatMajorsPrintDifferentlyPassesAfterAnUpgradeAndARealChangeStillFails(int major)
    {
        var server = _servers.Of(major, _pg);
        var source = _pg.NewDatabaseName("sensitive" + major);
        server.Execute("postgres", $"CREATE DATABASE {source}");
        server.Execute(source, VersionSensitiveObjects);
        var target = _pg.NewDatabaseName("sensitive_up" + major);
        Credentials.Connect(_ps, "src", server, source);
        Credentials.Connect(_ps, "dst", _pg.Target, target);
        var dump = Path.Combine(_pg.NewFolder("sensitive" + major), "s.dump");

        var faithful = _ps.Run("$d = New-HydraDump -Connection $src -Path $args[0]; $d | Restore-HydraDump -Connection $dst -CreateDatabase | Out-Null; $d | Test-HydraMigration -Connection $dst; Test-HydraMigration -Connection $dst -Source $src", dump);
        Assert.Empty(faithful.Errors);
        Assert.Empty(Problems(faithful));
        const string Adjust = "shop.adjust(INOUT n integer, IN label text, VARIADIC more integer[])";
        Assert.Equal(2, faithful.Output.Count(o => Describe(o) == "Pass Function " + Adjust + " DefinitionHash"));
        Assert.Equal(2, faithful.Output.Count(o => Describe(o) == "Pass Function shop.noop() DefinitionHash"));
        Assert.Equal(2, faithful.Output.Count(o => Describe(o) == "Pass View shop.item_years Definition"));

        // Dropped, not replaced: from 13 the view's EXTRACT is date_part (double precision), which 15 would not replace with its numeric EXTRACT.
        _pg.Target.Execute(target, @"DROP VIEW shop.item_years;
CREATE VIEW shop.item_years AS
    SELECT EXTRACT(year FROM placed) AS y, substring(title FROM 2 FOR 4) AS prefix, trim(both ' ' FROM title) AS trimmed,
           string_agg(title, ', ' ORDER BY id) AS titles, count(*) FILTER (WHERE price > 10) AS dear,
           sum(price) OVER (PARTITION BY EXTRACT(year FROM placed)) AS yearly
    FROM shop.items WHERE title LIKE 'item%' AND id = ANY (ARRAY[1, 2, 3]) GROUP BY 1, 2, 3, price, placed;
CREATE OR REPLACE PROCEDURE shop.adjust(INOUT n int, label text DEFAULT 'a, b', VARIADIC more int[] DEFAULT ARRAY[1, 2])
    LANGUAGE plpgsql AS $$ BEGIN n := n + 1; END $$;");
        var changed = new[]
        {
            _ps.Run("Test-HydraMigration -Connection $dst -Manifest ($args[0] + '.manifest.json')", dump),
            _ps.Run("Test-HydraMigration -Connection $dst -Source $src"),
        };
        foreach (var result in changed)
        {
            Assert.Empty(result.Errors);
            Assert.Equal(new[] { "Fail Function " + Adjust + " DefinitionHash", "Fail View shop.item_years Definition" }, Problems(result).Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public void ARestoreIntoPostgreSql16WithPostgreSql15ToolsIsRefusedNamingTheToolsToInstall()
    {
        var newer = _servers.Of(16, _pg);
        var target = _pg.NewDatabaseName("into16");
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
        Credentials.Connect(_ps, "dst", newer, target);
        var dump = _ps.Run("New-HydraDump -Connection $src -Path $args[0] -PgBinPath $args[1]", Path.Combine(_pg.NewFolder("into16"), "s.dump"), PostgresCluster.BinFolder);
        Assert.Empty(dump.Errors);
        _ps.Set("dump", dump.Output.Single());

        var restore = _ps.Run("$dump | Restore-HydraDump -Connection $dst -CreateDatabase -PgBinPath $args[0]", PostgresCluster.BinFolder);
        var error = Assert.Single(restore.Errors);
        Assert.Equal("PgToolTooOld," + RestoreCmd, error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.NotInstalled, error.CategoryInfo.Category);
        Assert.Contains("PostgreSQL 16", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("pg_restore 16 or newer", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("-PgBinPath", error.Exception.Message, StringComparison.Ordinal);
        Assert.Empty(restore.Output);

        // The database -CreateDatabase made for the restore is not left behind, empty, looking ready.
        Assert.Equal(0, newer.Count("postgres", $"SELECT count(*) FROM pg_database WHERE datname = '{target}'"));
    }

    [Fact]
    public void ADumpOfPostgreSql16WithPostgreSql15ToolsIsRefusedNamingTheToolsToInstall()
    {
        var newer = _servers.Of(16, _pg);
        var source = _pg.NewDatabaseName("from16");
        newer.Execute("postgres", $"CREATE DATABASE {source}");
        newer.Execute(source, "CREATE TABLE t (id int); INSERT INTO t VALUES (1);");
        Credentials.Connect(_ps, "src", newer, source);
        var folder = _pg.NewFolder("from16");

        var result = _ps.Run("New-HydraDump -Connection $src -Path $args[0] -PgBinPath $args[1]", Path.Combine(folder, "t.dump"), PostgresCluster.BinFolder);
        var error = Assert.Single(result.Errors);
        Assert.Equal("PgToolTooOld," + DumpCmd, error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.NotInstalled, error.CategoryInfo.Category);
        Assert.Contains("PostgreSQL 16", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("pg_dump 16 or newer", error.Exception.Message, StringComparison.Ordinal);
        Assert.Empty(result.Output);
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }
}
