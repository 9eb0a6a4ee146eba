using System;
using System.Collections.Generic;
using System.Text.Json;

namespace HydraMigration.Dump;

/// <summary>
/// The fields a manifest must have, checked on the JSON before it is read into a
/// <see cref="DumpManifest"/>: a missing field would otherwise read as its default (an empty
/// table list, no settings) and silently lose what it stood for. Every manifest written by a
/// release of the module has them; fields added later (the catalog, the snapshot) are optional
/// so older manifests still read. This list is the one place that says what is required.
/// </summary>
internal static class ManifestSchema
{
    private enum Kind
    {
        String,
        NonEmptyString,
        Number,
        Object,
        Array,
    }

    private static readonly (string Name, Kind Kind)[] TopLevel =
    {
        ("manifestVersion", Kind.Number),
        ("createdBy", Kind.String),
        ("createdUtc", Kind.NonEmptyString),
        ("archive", Kind.Object),
        ("source", Kind.Object),
        ("options", Kind.Object),
        ("extensions", Kind.Array),
        ("tables", Kind.Array),
        ("databaseSettings", Kind.Array),
        ("roles", Kind.Array),
    };

    private static readonly (string Name, Kind Kind)[] Archive =
    {
        ("format", Kind.NonEmptyString),
        ("fileName", Kind.String),
        ("sizeBytes", Kind.Number),
        ("sha256", Kind.NonEmptyString),
        ("pgDumpVersion", Kind.String),
    };

    private static readonly (string Name, Kind Kind)[] ArchiveFile =
    {
        ("name", Kind.NonEmptyString),
        ("sizeBytes", Kind.Number),
        ("sha256", Kind.NonEmptyString),
    };

    private static readonly (string Name, Kind Kind)[] Source =
    {
        ("host", Kind.String),
        ("port", Kind.Number),
        ("database", Kind.String),
        ("serverVersion", Kind.String),
        ("serverVersionNum", Kind.Number),
        ("encoding", Kind.String),
    };

    private static readonly (string Name, Kind Kind)[] Extension = { ("name", Kind.NonEmptyString), ("version", Kind.String) };

    private static readonly (string Name, Kind Kind)[] Table = { ("schema", Kind.NonEmptyString), ("name", Kind.NonEmptyString) };

    private static readonly (string Name, Kind Kind)[] Setting = { ("name", Kind.NonEmptyString), ("value", Kind.String) };

    /// <summary>Every required field that is missing or of the wrong kind, as JSON paths ("archive.sha256", "tables[3].name"); empty when the manifest is complete.</summary>
    public static IReadOnlyList<string> Problems(JsonElement root)
    {
        var problems = new List<string>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            problems.Add("(the manifest is not a JSON object)");
            return problems;
        }

        Check(root, string.Empty, TopLevel, problems);
        if (Get(root, "archive") is { ValueKind: JsonValueKind.Object } archive)
        {
            Check(archive, "archive.", Archive, problems);
            var directory = Get(archive, "format") is { ValueKind: JsonValueKind.String } format && string.Equals(format.GetString(), nameof(HydraDumpFormat.Directory), StringComparison.OrdinalIgnoreCase);
            if (directory)
            {
                // A directory dump is checked file by file: without the list nothing could be.
                CheckEach(archive, "archive.files", ArchiveFile, problems, required: true);
            }
        }

        if (Get(root, "source") is { ValueKind: JsonValueKind.Object } source)
        {
            Check(source, "source.", Source, problems);
        }

        CheckEach(root, "extensions", Extension, problems, required: false);
        CheckEach(root, "tables", Table, problems, required: false);
        CheckEach(root, "databaseSettings", Setting, problems, required: false);
        return problems;
    }

    private static void CheckEach(JsonElement parent, string path, (string Name, Kind Kind)[] fields, List<string> problems, bool required)
    {
        var name = path.Substring(path.LastIndexOf('.') + 1);
        var array = Get(parent, name);
        if (array is not { ValueKind: JsonValueKind.Array })
        {
            if (required)
            {
                problems.Add(path);
            }

            return;
        }

        var index = 0;
        foreach (var item in array.Value.EnumerateArray())
        {
            var at = path + "[" + index.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                problems.Add(at);
            }
            else
            {
                Check(item, at + ".", fields, problems);
            }

            index++;
        }
    }

    private static void Check(JsonElement element, string prefix, (string Name, Kind Kind)[] fields, List<string> problems)
    {
        foreach (var (name, kind) in fields)
        {
            var value = Get(element, name);
            if (value is null || !Fits(value.Value, kind))
            {
                problems.Add(prefix + name);
            }
        }
    }

    private static bool Fits(JsonElement value, Kind kind) => kind switch
    {
        Kind.String => value.ValueKind == JsonValueKind.String,
        Kind.NonEmptyString => value.ValueKind == JsonValueKind.String && value.GetString()!.Length > 0,
        Kind.Number => value.ValueKind == JsonValueKind.Number,
        Kind.Object => value.ValueKind == JsonValueKind.Object,
        Kind.Array => value.ValueKind == JsonValueKind.Array,
        _ => false,
    };

    /// <summary>A property by its camelCase name, matched exactly as the reader matches it.</summary>
    private static JsonElement? Get(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;
}
