using System;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Dump;

/// <summary>
/// The manifest keeps each fact once (layout 2): a table's catalog facts, row count and size in
/// the top-level table list only, the extensions and settings at the top only; and a manifest
/// written by the releases before (layout 1, which repeated them inside the catalog) still
/// restores and validates.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ManifestLayoutTests : IDisposable
{
    private static readonly string[] CatalogTableFacts = { "owner", "columns", "primaryKey", "integerKey", "estimatedRows" };
    private readonly PostgresFixture _pg;
    private readonly PowerShellSession _ps = new();

    public ManifestLayoutTests(PostgresFixture pg) => _pg = pg;

    public void Dispose() => _ps.Dispose();

    [Fact]
    public void EachFactIsInTheManifestOnce()
    {
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
        var path = Path.Combine(_pg.NewFolder("layout"), "shop.dump");
        var dumped = _ps.Run("$d = New-HydraDump -Connection $src -Path $args[0]; $t = $d.Manifest.Tables | Where-Object Name -eq 'order lines'; [object]::ReferenceEquals($t, ($d.Manifest.Catalog.Tables | Where-Object Name -eq 'order lines'))", path);
        Assert.Empty(dumped.Errors);
        Assert.True((bool)dumped.Output.Single().BaseObject, "the catalog's table is the manifest's own table object");

        var text = File.ReadAllText(path + ".manifest.json");
        var manifest = JsonNode.Parse(text)!.AsObject();
        Assert.Equal(2, (int)manifest["manifestVersion"]!);
        var catalog = manifest["catalog"]!.AsObject();
        Assert.False(catalog.ContainsKey("tables"));
        Assert.False(catalog.ContainsKey("extensions"));
        Assert.False(catalog.ContainsKey("settings"));
        Assert.True(catalog.ContainsKey("indexes"));

        // The table once, with its catalog facts, row count and size together.
        Assert.Single(Regex.Matches(text, "\"name\": \"order lines\""));
        Assert.Single(Regex.Matches(text, "\"rowCount\": " + SampleDatabase.OrderLines + "\\b"));
        Assert.Single(Regex.Matches(text, "\"default_table_access_method\""));
        Assert.Single(Regex.Matches(text, "\"name\": \"columnar\",\\s*\"version\""));
        var orderLines = manifest["tables"]!.AsArray().Single(t => (string?)t!["name"] == "order lines")!.AsObject();
        Assert.All(CatalogTableFacts.Concat(new[] { "rowCount", "sourceSizeBytes", "accessMethod" }), fact => Assert.True(orderLines.ContainsKey(fact), fact));
        Assert.NotEmpty(orderLines["columns"]!.AsArray());

        // And it reads back as the catalog it was: the live source matches it on every check.
        var self = _ps.Run("Test-HydraMigration -Connection $src -Manifest $args[0]", path + ".manifest.json");
        Assert.Empty(self.Errors);
        Assert.All(self.Output.Select(o => (HydraValidationResult)o.BaseObject), r => Assert.Equal(HydraValidationStatus.Pass, r.Status));
    }

    [Fact]
    public void AManifestOfLayoutOneStillRestoresAndValidates()
    {
        // The layout-1 manifest the release before wrote (tests/…/TestData, with its archive) is
        // the model: the one made here from a fresh dump must have exactly its shape.
        var fixture = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "tests", "HydraMigration.Tests", "TestData", "shop-v1.dump.manifest.json")))!.AsObject();

        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
        var target = _pg.NewDatabaseName("layout1");
        Credentials.Connect(_ps, "dst", _pg.Target, target);
        try
        {
            var path = Path.Combine(_pg.NewFolder("layout1"), "shop.dump");
            Assert.Empty(_ps.Run("New-HydraDump -Connection $src -Path $args[0] | Out-Null", path).Errors);
            var manifestPath = path + ".manifest.json";
            var old = ToLayoutOne(JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject());
            Assert.Equal(Keys(fixture), Keys(old));
            Assert.Equal(Keys(fixture["catalog"]!), Keys(old["catalog"]!));
            Assert.Equal(Keys(fixture["tables"]![0]!), Keys(old["tables"]!.AsArray().First(t => (string?)t!["kind"] == "table")!));
            Assert.Equal(Keys(fixture["catalog"]!["tables"]![0]!), Keys(old["catalog"]!["tables"]!.AsArray().First(t => (string?)t!["kind"] == "table" && (string?)t!["accessMethod"] == "heap")!));
            File.WriteAllText(manifestPath, old.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));

            var run = _ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -CreateDatabase | Test-HydraMigration", path);
            Assert.Empty(run.Errors);
            var results = run.Output.Select(o => (HydraValidationResult)o.BaseObject).ToList();
            Assert.All(results, r => Assert.Equal(HydraValidationStatus.Pass, r.Status));
            Assert.Contains(results, r => r.Category == HydraValidationCategory.Table && r.Name.Contains("order lines", StringComparison.Ordinal) && r.Check == "Columns");
            Assert.Contains(results, r => r.Category == HydraValidationCategory.RowCount && r.Name.Contains("order lines", StringComparison.Ordinal));
            Assert.Equal("lz4", _pg.Target.Psql(target, "SELECT compression FROM columnar.options WHERE regclass = 'sales.events'::regclass"));
        }
        finally
        {
            _pg.Target.Psql("postgres", $"DROP DATABASE IF EXISTS {target} WITH (FORCE)", check: false);
        }
    }

    /// <summary>Rewrites a layout-2 manifest as the releases before wrote it: the tables' catalog facts, the extensions and the settings repeated in the catalog.</summary>
    private static JsonObject ToLayoutOne(JsonObject manifest)
    {
        manifest["manifestVersion"] = 1;
        var catalog = manifest["catalog"]!.AsObject();
        var catalogTables = new JsonArray();
        foreach (var table in manifest["tables"]!.AsArray().Select(t => t!.AsObject()))
        {
            var described = new JsonObject { ["schema"] = table["schema"]!.DeepClone(), ["name"] = table["name"]!.DeepClone(), ["kind"] = table["kind"]!.DeepClone() };
            foreach (var fact in new[] { "accessMethod" }.Concat(CatalogTableFacts).Append("columnar"))
            {
                if (table[fact] is { } value)
                {
                    described[fact] = value.DeepClone();
                }
            }

            foreach (var fact in CatalogTableFacts)
            {
                table.Remove(fact);
            }

            catalogTables.Add(described);
        }

        var rest = catalog.Select(p => (p.Key, Value: p.Value?.DeepClone())).ToList();
        catalog.Clear();
        foreach (var (key, value) in rest)
        {
            catalog[key] = value;
            if (key == "schemas")
            {
                catalog["tables"] = catalogTables;
            }
        }

        catalog["extensions"] = manifest["extensions"]!.DeepClone();
        catalog["settings"] = manifest["databaseSettings"]!.DeepClone();
        return manifest;
    }

    private static string[] Keys(JsonNode node) => node.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal).ToArray();
}
