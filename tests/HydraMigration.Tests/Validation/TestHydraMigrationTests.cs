using System;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using HydraMigration.Tests.Harness;
using static HydraMigration.Tests.Validation.ValidationAssertions;

namespace HydraMigration.Tests.Validation;

[Collection(PostgresCollection.Name)]
public sealed class TestHydraMigrationTests : IDisposable
{
    private const string TestCmd = "HydraMigration.Commands.TestHydraMigrationCommand";
    private readonly PostgresFixture _pg;
    private readonly PowerShellSession _ps = new();

    public TestHydraMigrationTests(PostgresFixture pg) => _pg = pg;

    public void Dispose() => _ps.Dispose();

    [Fact]
    public void TheWholeChainWithoutSshEndsInAllChecksPassingAgainstTheManifestAndTheLiveSource()
    {
        var migrated = MigratedRichDatabase.Of(_pg);
        Credentials.Connect(_ps, "src", _pg.Source, migrated.Source);
        var target = _pg.NewDatabaseName("chain");
        Credentials.Connect(_ps, "dst", _pg.Target, target);

        var chain = _ps.Run("New-HydraDump -Connection $src -Path $args[0] | Restore-HydraDump -Connection $dst -CreateDatabase | Test-HydraMigration", Path.Combine(_pg.NewFolder("chain"), "rich.dump"));
        Assert.Empty(chain.Errors);
        Assert.Empty(Problems(chain));
        Assert.Empty(chain.Warnings);
        Assert.Superset(
            new[] { "Schema", "Table", "RowCount", "View", "Function", "Index", "Constraint", "Sequence", "Trigger", "Extension", "ColumnarOptions", "DatabaseSetting", "Ownership" }.ToHashSet(),
            Categories(chain));
        Assert.Contains(chain.Output, o => Describe(o) == "Pass View reporting.daily_orders Populated");
        Assert.Contains(chain.Output, o => Describe(o).StartsWith("Pass Function inventory.restock(", StringComparison.Ordinal) && Describe(o).EndsWith(" DefinitionHash", StringComparison.Ordinal));
        Assert.Contains(chain.Output, o => Describe(o) == "Pass Ownership inventory.products Owner" && (string)o.Properties["TargetValue"].Value == SampleDatabase.OwnerRole);
        Assert.Contains(chain.Output, o => Describe(o) == "Pass RowCount reporting.readings_2025 Count");
        Assert.NotEmpty(chain.Progress);

        var live = _ps.Run("Test-HydraMigration -Connection $dst -Source $src -DataChecksum");
        Assert.Empty(live.Errors);
        Assert.Empty(Problems(live));
        Assert.Equal(
            _pg.Source.Count(migrated.Source, "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE relkind = 'r' AND nspname IN ('inventory', 'reporting')"),
            live.Output.Count(o => o.Properties["Category"].Value.ToString() == "DataChecksum"));
        Assert.True((bool)_ps.Run("Test-HydraMigration -Connection $dst -Source $src -Quiet").Output.Single().BaseObject);
    }

    [Fact]
    public void TheSampleDatabaseMigratesCleanly()
    {
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
        var target = _pg.NewDatabaseName("sample_check");
        Credentials.Connect(_ps, "dst", _pg.Target, target);
        var result = _ps.Run("$d = New-HydraDump -Connection $src -Path $args[0]; $d | Restore-HydraDump -Connection $dst -CreateDatabase | Out-Null; $d | Test-HydraMigration -Connection $dst", Path.Combine(_pg.NewFolder("sample"), "s.dump"));

        Assert.Empty(result.Errors);
        Assert.Empty(Problems(result));
        Assert.Contains(result.Output, o => Describe(o) == "Pass ColumnarOptions sales.events Options");
        Assert.Contains(result.Output, o => Describe(o) == "Pass DatabaseSetting search_path Value");
    }

    [Fact]
    public void AHydraDatabaseFromThePipelineIsTheTargetAndEstimatesAreWarningsNotFailures()
    {
        var migrated = MigratedRichDatabase.Of(_pg);
        var clone = migrated.Clone("piped");
        Credentials.Connect(_ps, "dst", _pg.Target, clone);
        var result = _ps.Run("New-HydraDatabase -Connection $dst -Name $args[1] -IfNotExists | Test-HydraMigration -Manifest $args[0] -RowCount Estimate -Check RowCount", migrated.ManifestPath, clone);

        Assert.Empty(result.Errors);
        Assert.All(result.Output, o => Assert.Equal("Estimate", o.Properties["Check"].Value));
        Assert.DoesNotContain(result.Output, o => o.Properties["Status"].Value.ToString() == "Fail");
        Assert.Contains(result.Output, o => Describe(o) == "Pass RowCount inventory.stock_moves Estimate");
    }

    [Fact]
    public void FiltersNarrowTheChecksAndOneMatchingNothingWarns()
    {
        var migrated = MigratedRichDatabase.Of(_pg);
        Credentials.Connect(_ps, "dst", _pg.Target, migrated.Restored);

        var one = _ps.Run("Test-HydraMigration -Connection $dst -Manifest $args[0] -Table 'inventory.stock*' -Check RowCount, Index", migrated.ManifestPath);
        Assert.Empty(one.Errors);
        Assert.Equal(new[] { "Pass Index inventory.stock_moves_pkey Definition", "Pass Index inventory.stock_moves_pkey Valid", "Pass RowCount inventory.stock_moves Count" }, one.Output.Select(Describe).Order(StringComparer.Ordinal));

        var excluded = _ps.Run("Test-HydraMigration -Connection $dst -Manifest $args[0] -Schema inventory -ExcludeTable stock_moves, events -Check RowCount", migrated.ManifestPath);
        Assert.Equal(new[] { "Pass RowCount inventory.orders Count", "Pass RowCount inventory.products Count" }, excluded.Output.Select(Describe).Order(StringComparer.Ordinal));

        var nothing = _ps.Run("Test-HydraMigration -Connection $dst -Manifest $args[0] -Table no_such_table", migrated.ManifestPath);
        Assert.Empty(nothing.Errors);
        Assert.Equal(new[] { "Warning Scope (filters) Matches" }, Problems(nothing));
        Assert.Contains(nothing.Warnings, w => w.Contains("match no table", StringComparison.Ordinal));
    }

    [Fact]
    public void AFilteredDumpRecordsOnlyItsScopeAndTheTargetsOtherObjectsAreNoDifference()
    {
        var migrated = MigratedRichDatabase.Of(_pg);
        Credentials.Connect(_ps, "src", _pg.Source, migrated.Source);
        Credentials.Connect(_ps, "dst", _pg.Target, migrated.Restored);
        var dump = _ps.Run("New-HydraDump -Connection $src -Path $args[0] -Table inventory.orders", Path.Combine(_pg.NewFolder("filtered"), "orders.dump"));
        Assert.Empty(dump.Errors);
        var catalog = (CatalogShape)_ps.Run("$m = $args[0].Manifest.Catalog; [pscustomobject]@{ Tables = @($m.Tables.Name) -join ','; Views = $m.Views.Count; Functions = $m.Functions.Count; Indexes = @($m.Indexes.Name | ForEach-Object { $_ }) -join ','; Sequences = @($m.Sequences.Name) -join ',' }", dump.Output.Single())
            .Output.Select(o => new CatalogShape((string)o.Properties["Tables"].Value, (int)o.Properties["Views"].Value, (int)o.Properties["Functions"].Value, (string)o.Properties["Indexes"].Value, (string)o.Properties["Sequences"].Value)).Single();
        Assert.Equal(new CatalogShape("orders", 0, 0, "orders_pkey,orders_placed", "orders_id_seq"), catalog);

        var result = _ps.Run("$args[0] | Test-HydraMigration -Connection $dst", dump.Output.Single());
        Assert.Empty(result.Errors);
        Assert.Empty(Problems(result));
        Assert.Contains(result.Output, o => Describe(o) == "Pass Sequence inventory.orders_id_seq NextValue");
        Assert.DoesNotContain(result.Output, o => (string)o.Properties["Name"].Value == "products");
    }

    private sealed record CatalogShape(string Tables, int Views, int Functions, string Indexes, string Sequences);

    [Fact]
    public void AManifestWithoutACatalogStillValidatesTablesRowsOptionsExtensionsAndSettings()
    {
        var migrated = MigratedRichDatabase.Of(_pg);
        var json = JsonNode.Parse(File.ReadAllText(migrated.ManifestPath))!.AsObject();
        Assert.NotNull(json["catalog"]);
        json.Remove("catalog");
        var old = Path.Combine(_pg.NewFolder("oldmanifest"), "old.manifest.json");
        File.WriteAllText(old, json.ToJsonString());
        Credentials.Connect(_ps, "dst", _pg.Target, migrated.Restored);

        var result = _ps.Run("Test-HydraMigration -Connection $dst -Manifest $args[0]", old);
        Assert.Empty(result.Errors);
        Assert.DoesNotContain(result.Output, o => o.Properties["Status"].Value.ToString() == "Fail");
        Assert.Equal(
            new[] { "Constraint", "Function", "Index", "Ownership", "Schema", "Sequence", "Trigger", "View" },
            result.Output.Where(o => o.Properties["Status"].Value.ToString() == "Warning").Select(o => o.Properties["Category"].Value.ToString()).Order(StringComparer.Ordinal));
        Assert.Superset(new[] { "Table", "RowCount", "ColumnarOptions", "Extension", "DatabaseSetting" }.ToHashSet(), Categories(result));
    }

    [Fact]
    public void ARestoreWithoutOwnersIsNotHeldToTheSourcesOwners()
    {
        var migrated = MigratedRichDatabase.Of(_pg);
        var target = _pg.NewDatabaseName("noowner");
        Credentials.Connect(_ps, "dst", _pg.Target, target);
        var result = _ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -CreateDatabase -NoOwner | Test-HydraMigration", migrated.Archive);

        Assert.Empty(result.Errors);
        Assert.Empty(Problems(result));
        Assert.DoesNotContain("Ownership", Categories(result));
        Assert.Equal("postgres", _pg.Target.Psql(target, "SELECT tableowner FROM pg_tables WHERE schemaname = 'inventory' AND tablename = 'products'"));

        var strict = _ps.Run("Test-HydraMigration -Connection $dst -Manifest $args[0] -Check Ownership", migrated.ManifestPath);
        Assert.Contains("Fail Ownership inventory.products Owner", Problems(strict));
    }

    [Fact]
    public void TheDefaultViewShowsFailuresFirst()
    {
        var migrated = MigratedRichDatabase.Of(_pg);
        var clone = migrated.Clone("view");
        _pg.Target.Execute(clone, "DELETE FROM inventory.orders WHERE id = 9");
        Credentials.Connect(_ps, "dst", _pg.Target, clone);
        _ps.Run("Test-HydraMigration -Connection $dst -Manifest $args[0] -Check RowCount | Out-Default", migrated.ManifestPath);

        var text = _ps.Host.Text;
        Assert.Matches(@"Status\s+Category\s+Object\s+Check\s+Source\s+Target\s+Message", text);
        var lines = text.Split('\n').Where(l => l.StartsWith("Fail", StringComparison.Ordinal) || l.StartsWith("Pass", StringComparison.Ordinal)).ToList();
        Assert.StartsWith("Fail", lines[0], StringComparison.Ordinal);
        Assert.Contains("inventory.orders", lines[0], StringComparison.Ordinal);
        Assert.Contains("1 fewer row", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void DataChecksumNeedsALiveSource()
    {
        var migrated = MigratedRichDatabase.Of(_pg);
        Credentials.Connect(_ps, "dst", _pg.Target, migrated.Restored);
        var result = _ps.Run("Test-HydraMigration -Connection $dst -Manifest $args[0] -Check DataChecksum", migrated.ManifestPath);
        Assert.Equal(new[] { "Warning DataChecksum (all) Skipped" }, Problems(result));
        Assert.Contains("-Source", (string)result.Output[0].Properties["Message"].Value, StringComparison.Ordinal);
    }

    [Fact]
    public void UnreachableServersAndAWrongPasswordAreErrorsWithTheirIds()
    {
        var migrated = MigratedRichDatabase.Of(_pg);
        Credentials.Connect(_ps, "src", _pg.Source, migrated.Source);
        Credentials.Connect(_ps, "dst", _pg.Target, migrated.Restored);
        Credentials.Connect(_ps, "bad", _pg.Target, migrated.Restored, password: "wrong");
        _ps.Set("nobodyCred", Credentials.Of("postgres", "x"));
        Assert.Empty(_ps.Run("$nobody = New-HydraConnection -HostName 127.0.0.1 -Port 1 -Database x -Credential $nobodyCred -ConnectTimeout 3").Errors);

        var noTarget = _ps.Run("Test-HydraMigration -Connection $nobody -Source $src");
        Assert.Equal(new[] { "ServerUnreachable," + TestCmd }, noTarget.ErrorIds);
        Assert.Empty(noTarget.Output);

        var noSource = _ps.Run("Test-HydraMigration -Connection $dst -Source $nobody");
        Assert.Equal(new[] { "ServerUnreachable," + TestCmd }, noSource.ErrorIds);

        var password = _ps.Run("Test-HydraMigration -Connection $bad -Manifest $args[0]", migrated.ManifestPath);
        Assert.Equal(new[] { "AuthenticationFailed," + TestCmd }, password.ErrorIds);
        Assert.DoesNotContain("wrong", password.Errors[0].ToString(), StringComparison.Ordinal);

        var inline = _ps.Run("Test-HydraMigration -HostName 127.0.0.1 -Port $args[0] -Database $args[1] -Credential $badCred -Manifest $args[2]", _pg.Target.Port, migrated.Restored, migrated.ManifestPath);
        Assert.Equal(new[] { "AuthenticationFailed," + TestCmd }, inline.ErrorIds);

        var nothing = _ps.Run("Test-HydraMigration -Connection $dst");
        Assert.Equal(new[] { "ValidationSourceMissing," + TestCmd }, nothing.ErrorIds);
    }

    [Fact]
    public void AManifestOfAnotherDatabaseIsRefused()
    {
        var migrated = MigratedRichDatabase.Of(_pg);
        var unrelated = _pg.NewDatabaseName("unrelated");
        _pg.Target.Execute("postgres", $"CREATE DATABASE {unrelated}");
        _pg.Target.Execute(unrelated, "CREATE TABLE something_else (id int)");
        Credentials.Connect(_ps, "dst", _pg.Target, unrelated);

        var result = _ps.Run("Test-HydraMigration -Connection $dst -Manifest $args[0]", migrated.ManifestPath);
        Assert.Equal(new[] { "ManifestNotForTarget," + TestCmd }, result.ErrorIds);
        Assert.Empty(result.Output);
        Assert.Contains(migrated.Source, result.Errors[0].ToString(), StringComparison.Ordinal);

        var missing = _ps.Run("Test-HydraMigration -Connection $dst -Manifest $args[0]", Path.Combine(_pg.NewFolder("nomanifest"), "none.dump"));
        Assert.Single(missing.Errors);
        Assert.Contains("No manifest", missing.Errors[0].ToString(), StringComparison.Ordinal);
    }
}
