using System;
using System.Linq;
using HydraMigration.Tests.Harness;
using static HydraMigration.Tests.Validation.ValidationAssertions;

namespace HydraMigration.Tests.Validation;

/// <summary>
/// A correctly restored target, damaged one way per test: Test-HydraMigration reports exactly
/// that damage and nothing else (no other failure, no warning).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ValidationFaultTests : IDisposable
{
    private readonly PostgresFixture _pg;
    private readonly MigratedRichDatabase _migrated;
    private readonly PowerShellSession _ps = new();

    public ValidationFaultTests(PostgresFixture pg)
    {
        _pg = pg;
        _migrated = MigratedRichDatabase.Of(pg);
        Credentials.Connect(_ps, "src", _pg.Source, _migrated.Source);
    }

    public void Dispose() => _ps.Dispose();

    [Theory]
    [InlineData("DELETE FROM inventory.orders WHERE id = 5", "Fail RowCount inventory.orders Count")]
    [InlineData("INSERT INTO inventory.events VALUES (999999, 'extra', now())", "Fail RowCount inventory.events Count")]
    [InlineData("DROP INDEX inventory.orders_placed", "Fail Index inventory.orders_placed Present")]
    [InlineData("UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'inventory.orders_placed'::regclass", "Fail Index inventory.orders_placed Valid")]
    [InlineData("CREATE OR REPLACE VIEW reporting.product_sales AS SELECT p.id, p.name, count(o.id) + 0 AS orders FROM inventory.products p LEFT JOIN inventory.orders o ON o.product_id = p.id GROUP BY p.id, p.name", "Fail View reporting.product_sales Definition")]
    [InlineData("CREATE OR REPLACE FUNCTION reporting.order_total(p_product bigint) RETURNS numeric LANGUAGE sql STABLE AS $$ SELECT 0::numeric $$", "Fail Function reporting.order_total(p_product bigint) DefinitionHash")]
    [InlineData("DROP TRIGGER products_touch ON inventory.products", "Fail Trigger inventory.products.products_touch Present")]
    [InlineData("SELECT setval('inventory.invoice_no', 1000)", "Fail Sequence inventory.invoice_no NextValue")]
    [InlineData("ALTER TABLE inventory.events SET ACCESS METHOD heap", "Fail Table inventory.events AccessMethod")]
    [InlineData("SELECT columnar.alter_columnar_table_set('inventory.events', compression => 'zstd')", "Fail ColumnarOptions inventory.events Options")]
    [InlineData("DROP EXTENSION fuzzystrmatch", "Fail Extension fuzzystrmatch Present")]
    [InlineData("ALTER DATABASE \"{db}\" RESET work_mem", "Fail DatabaseSetting work_mem Value")]
    [InlineData("ALTER TABLE inventory.orders DROP CONSTRAINT orders_product_id_fkey", "Fail Constraint inventory.orders.orders_product_id_fkey Present")]
    [InlineData("ALTER TABLE inventory.orders ALTER COLUMN note SET NOT NULL", "Fail Table inventory.orders Columns")]
    public void EachDamageIsReportedAloneAgainstTheManifest(string damage, string expected)
    {
        var target = Damaged(damage);
        var result = _ps.Run("Test-HydraMigration -Connection $dst -Manifest $args[0]", _migrated.ManifestPath);

        Assert.Empty(result.Errors);
        Assert.Equal(new[] { expected }, Problems(result));
        Assert.Equal(expected, Describe(result.Output[0])); // failures come first
        Assert.False((bool)_ps.Run("Test-HydraMigration -Connection $dst -Manifest $args[0] -Quiet -Check $args[1]", _migrated.ManifestPath, expected.Split(' ')[1]).Output.Single().BaseObject, target);
    }

    [Fact]
    public void AChangedValueIsFoundByTheDataChecksumInItsKeyRange()
    {
        Damaged("UPDATE inventory.stock_moves SET delta = delta + 1 WHERE id = 123456");
        var result = _ps.Run("Test-HydraMigration -Connection $dst -Source $src -DataChecksum");

        Assert.Empty(result.Errors);
        Assert.Equal(new[] { "Fail DataChecksum inventory.stock_moves Checksum" }, Problems(result));
        var message = (string)result.Output[0].Properties["Message"].Value;
        Assert.Matches(@"differ in 1 of 3 key range\(s\): \d+ <= id < \d+ \(source 8\d+ rows, target 8\d+ rows\)", message);
        Assert.Contains(result.Output, o => Describe(o) == "Pass RowCount inventory.stock_moves Count");
    }

    [Fact]
    public void ACleanCloneReportsNoFailureAndNoWarningWithEitherSource()
    {
        Damaged("SELECT 1");
        var manifest = _ps.Run("Test-HydraMigration -Connection $dst -Manifest $args[0]", _migrated.ManifestPath);
        var live = _ps.Run("Test-HydraMigration -Connection $dst -Source $src -DataChecksum -ThrottleLimit 2");

        Assert.Empty(manifest.Errors);
        Assert.Empty(Problems(manifest));
        Assert.Empty(live.Errors);
        Assert.Empty(Problems(live));
        Assert.Empty(live.Warnings);
        Assert.Contains(live.Output, o => Describe(o) == "Pass DataChecksum inventory.stock_moves Checksum");
    }

    /// <summary>A clone of the correct restore, with <paramref name="damage"/> done to it as the superuser; $dst points at it.</summary>
    private string Damaged(string damage)
    {
        var target = _migrated.Clone("fault");
        _pg.Target.Execute(target, damage.Replace("{db}", target, StringComparison.Ordinal));
        Credentials.Connect(_ps, "dst", _pg.Target, target);
        return target;
    }
}
