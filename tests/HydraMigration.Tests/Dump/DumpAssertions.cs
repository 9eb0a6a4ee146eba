using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text.Json;

namespace HydraMigration.Tests.Dump;

/// <summary>Reads what a dump left on disk, independently of the module.</summary>
public static class DumpFiles
{
    public static JsonElement Manifest(string archivePath) =>
        JsonDocument.Parse(File.ReadAllText(archivePath.TrimEnd('/') + ".manifest.json")).RootElement;

    public static string Sha256(string file)
    {
        using var stream = File.OpenRead(file);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static JsonElement Table(JsonElement manifest, string schema, string name) =>
        manifest.GetProperty("tables").EnumerateArray().Single(t => t.GetProperty("schema").GetString() == schema && t.GetProperty("name").GetString() == name);

    public static long? RowCount(JsonElement table) =>
        table.TryGetProperty("rowCount", out var count) ? count.GetInt64() : null;

    /// <summary>Every file and folder under <paramref name="folder"/> (to prove nothing was left behind).</summary>
    public static string[] Everything(string folder) =>
        Directory.GetFileSystemEntries(folder, "*", SearchOption.AllDirectories);
}
