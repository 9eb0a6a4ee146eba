using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
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

    public static void Write(string path, DumpManifest manifest, IFileStore? store = null) =>
        (store ?? LocalFileStore.Instance).WriteAllText(path, JsonSerializer.Serialize(manifest, Options));

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

            return JsonSerializer.Deserialize<DumpManifest>(text, Options)
                ?? throw new JsonException("The file is empty.");
        }
        catch (JsonException ex)
        {
            throw new HydraException(HydraErrors.ManifestInvalid, string.Format(CultureInfo.InvariantCulture, "The manifest '{0}' cannot be read: {1}", path, ex.Message), path, ex);
        }
    }
}
