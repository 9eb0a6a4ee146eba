using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using HydraMigration.Storage;

namespace HydraMigration.Dump;

/// <summary>Reads and writes a dump's manifest (JSON, camelCase, enums as names).</summary>
internal static class ManifestFile
{
    // Immutable once first used, and safe to share between threads.
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    public static string PathFor(string archivePath) =>
        archivePath.TrimEnd('/', Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar) + DumpManifest.FileSuffix;

    // The catalog's members that are the manifest's own lists (DumpManifest.ShareFactsWithCatalog): the file holds them once, at the top.
    private static readonly string[] SharedCatalogMembers = { "tables", "extensions", "settings" };

    // Writing leaves those members out of the catalog as it serializes (no document tree built
    // and edited first: on a database of thousands of tables that doubled the manifest's cost).
    private static readonly JsonSerializerOptions WriteOptions = new(Options)
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { OmitSharedCatalogMembers } },
    };

    /// <summary>Writes the current layout: every fact once, the catalog without the tables, extensions and settings the manifest itself holds.</summary>
    public static void Write(string path, DumpManifest manifest, IFileStore? store = null)
    {
        manifest.ManifestVersion = DumpManifest.CurrentVersion;
        (store ?? LocalFileStore.Instance).WriteAllText(path, JsonSerializer.Serialize(manifest, WriteOptions));
    }

    private static void OmitSharedCatalogMembers(JsonTypeInfo type)
    {
        if (type.Type != typeof(CatalogSnapshot))
        {
            return;
        }

        foreach (var property in type.Properties.Where(p => SharedCatalogMembers.Contains(p.Name, StringComparer.Ordinal)))
        {
            property.ShouldSerialize = (_, _) => false;
        }
    }

    /// <summary>The manifest beside an archive, or null when there is none.</summary>
    public static DumpManifest? ReadBeside(string archivePath, IFileStore? store = null)
    {
        var path = PathFor(archivePath);
        return (store ?? LocalFileStore.Instance).FileExists(path) ? Read(path, store) : null;
    }

    /// <summary>
    /// The one place a manifest is read: the JSON is checked against <see cref="ManifestSchema"/>
    /// first, so a partial manifest is refused with what it lacks instead of reading as defaults.
    /// </summary>
    public static DumpManifest Read(string path, IFileStore? store = null)
    {
        var text = (store ?? LocalFileStore.Instance).ReadAllText(path);
        try
        {
            using (var document = JsonDocument.Parse(text))
            {
                var missing = ManifestSchema.Problems(document.RootElement);
                if (missing.Count > 0)
                {
                    throw new HydraException(HydraErrors.ManifestInvalid, string.Format(CultureInfo.InvariantCulture,
                        "The manifest '{0}' lacks required field(s) or has them of the wrong type: {1}. It was not written by HydraMigration or was damaged: dump again, or move it aside to restore without it (columnar options and database settings are then not carried over).", path, string.Join(", ", missing.Take(20)) + (missing.Count > 20 ? ", ..." : string.Empty)), path);
                }
            }

            var manifest = JsonSerializer.Deserialize<DumpManifest>(text, Options)
                ?? throw new JsonException("The file is empty.");
            if (manifest.ManifestVersion < 2)
            {
                TakeTableFactsFromCatalog(manifest);
            }
            else
            {
                manifest.ShareFactsWithCatalog();
            }

            return manifest;
        }
        catch (JsonException ex)
        {
            throw new HydraException(HydraErrors.ManifestInvalid, string.Format(CultureInfo.InvariantCulture, "The manifest '{0}' cannot be read: {1}", path, ex.Message), path, ex);
        }
    }

    /// <summary>
    /// A version-1 manifest kept a second copy of each table in its catalog, with the facts only
    /// the catalog had (columns, keys, owner): they join the manifest's own table, which then
    /// stands for both. The catalog keeps exactly the tables it listed.
    /// </summary>
    private static void TakeTableFactsFromCatalog(DumpManifest manifest)
    {
        if (manifest.Catalog is null)
        {
            return;
        }

        var tables = manifest.Tables.GroupBy(t => (t.Schema, t.Name)).ToDictionary(g => g.Key, g => g.First());
        var inCatalog = new HashSet<(string, string)>();
        foreach (var described in manifest.Catalog.Tables)
        {
            if (tables.TryGetValue((described.Schema, described.Name), out var table))
            {
                table.Owner = described.Owner;
                table.Columns = described.Columns;
                table.PrimaryKey = described.PrimaryKey;
                table.IntegerKey = described.IntegerKey;
                table.EstimatedRows = described.EstimatedRows;
                table.Columnar ??= described.Columnar;
                inCatalog.Add((described.Schema, described.Name));
            }
        }

        // Tables the catalog did not list stay out of it; a catalog table the list lacks stays in it.
        var catalogOnly = manifest.Catalog.Tables.Where(t => !tables.ContainsKey((t.Schema, t.Name))).ToList();
        manifest.Catalog.Tables = manifest.Tables.Where(t => inCatalog.Contains((t.Schema, t.Name))).Cast<CatalogTable>().Concat(catalogOnly).ToList();

        // Read in the same snapshot, the catalog's extensions and settings were the manifest's own.
        manifest.Catalog.Extensions = manifest.Extensions;
        manifest.Catalog.Settings = manifest.DatabaseSettings;
    }
}
