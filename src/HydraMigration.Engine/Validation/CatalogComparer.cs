using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace HydraMigration.Validation;

/// <summary>
/// Compares two catalog snapshots, category by category, one result per check. Something the
/// source has and the target lacks or holds differently fails; something only the target has
/// is a warning (it loses nothing), and is not looked for at all when the source is a filtered
/// dump, which by design holds only part of the database.
/// </summary>
internal sealed class CatalogComparer
{
    private static readonly HydraValidationCategory[] DefinitionCategories =
    {
        HydraValidationCategory.Schema, HydraValidationCategory.View, HydraValidationCategory.Function, HydraValidationCategory.Index,
        HydraValidationCategory.Constraint, HydraValidationCategory.Sequence, HydraValidationCategory.Trigger, HydraValidationCategory.Ownership,
    };

    private readonly ValidationResults _results;
    private readonly ISet<HydraValidationCategory> _categories;
    private readonly bool _reportTargetExtras;

    public CatalogComparer(ValidationResults results, ISet<HydraValidationCategory> categories, bool reportTargetExtras)
    {
        _results = results;
        _categories = categories;
        _reportTargetExtras = reportTargetExtras;
    }

    /// <param name="source">The source's facts.</param>
    /// <param name="target">The target's facts.</param>
    /// <param name="definitionsKnown">False for a manifest written before catalog snapshots: only tables, options, extensions and settings are known.</param>
    /// <param name="compareOwners">Whether owners were kept, so they must match.</param>
    public void Compare(CatalogSnapshot source, CatalogSnapshot target, bool definitionsKnown, bool compareOwners)
    {
        if (!definitionsKnown)
        {
            foreach (var category in DefinitionCategories.Where(_categories.Contains))
            {
                _results.Add(category, string.Empty, "(all)", "Skipped", null, null, HydraValidationStatus.Warning, "The manifest predates catalog snapshots, so it does not record these objects: not validated. Validate with -Source against the live source, or dump again with this module version.");
            }
        }

        When(HydraValidationCategory.Table, () => CompareTables(source.Tables, target.Tables, definitionsKnown));
        When(HydraValidationCategory.ColumnarOptions, () => CompareColumnarOptions(source.Tables, target.Tables));
        When(HydraValidationCategory.Extension, () => CompareExtensions(source.Extensions, target.Extensions));
        When(HydraValidationCategory.DatabaseSetting, () => CompareSettings(source.Settings, target.Settings));
        if (!definitionsKnown)
        {
            return;
        }

        When(HydraValidationCategory.Schema, () => CompareObjects(HydraValidationCategory.Schema, "schema", source.Schemas, target.Schemas));
        When(HydraValidationCategory.View, () => CompareObjects(HydraValidationCategory.View, "view", source.Views, target.Views));
        When(HydraValidationCategory.Function, () => CompareObjects(HydraValidationCategory.Function, "function", source.Functions, target.Functions));
        When(HydraValidationCategory.Index, () => CompareObjects(HydraValidationCategory.Index, "index", source.Indexes, target.Indexes));
        When(HydraValidationCategory.Constraint, () => CompareObjects(HydraValidationCategory.Constraint, "constraint", source.Constraints, target.Constraints));
        When(HydraValidationCategory.Trigger, () => CompareObjects(HydraValidationCategory.Trigger, "trigger", source.Triggers, target.Triggers));
        When(HydraValidationCategory.Sequence, () => CompareSequences(source.Sequences, target.Sequences));
        if (compareOwners)
        {
            When(HydraValidationCategory.Ownership, () => CompareOwners(source, target));
        }
    }

    private void When(HydraValidationCategory category, Action compare)
    {
        if (_categories.Contains(category))
        {
            compare();
        }
    }

    private void CompareObjects(HydraValidationCategory category, string noun, IReadOnlyList<CatalogObject> source, IReadOnlyList<CatalogObject> target)
    {
        var onTarget = ByKey(target, o => (o.Schema, o.Name));
        foreach (var item in source)
        {
            if (!onTarget.TryGetValue((item.Schema, item.Name), out var other))
            {
                Missing(category, item.Schema, item.Name, "The " + noun + " is missing on the target.");
                continue;
            }

            if (item.Facts.Count == 0)
            {
                // A schema has nothing to compare but its presence: say that it was checked.
                _results.Add(category, item.Schema, item.Name, "Present", "present", "present", HydraValidationStatus.Pass, "Present.");
            }

            foreach (var fact in item.Facts)
            {
                other.Facts.TryGetValue(fact.Key, out var value);
                _results.Compare(category, item.Schema, item.Name, fact.Key, fact.Value, value, DifferenceMessage(noun, fact.Key));
            }
        }

        ReportExtras(category, noun, source.Select(o => (o.Schema, o.Name)), target.Select(o => (o.Schema, o.Name)));
    }

    private static string DifferenceMessage(string noun, string check) => check switch
    {
        "Valid" => "The " + noun + " is not valid on the target (a failed CREATE INDEX CONCURRENTLY or a broken build): REINDEX it.",
        "Validated" => "The " + noun + " is NOT VALID on the target: ALTER TABLE … VALIDATE CONSTRAINT.",
        "Populated" => "The materialized view has no data on the target: REFRESH MATERIALIZED VIEW.",
        "Enabled" => "The " + noun + " is enabled differently on the target.",
        _ => string.Format(CultureInfo.InvariantCulture, "The {0}'s {1} differs on the target.", noun, check),
    };

    private void CompareTables(IReadOnlyList<CatalogTable> source, IReadOnlyList<CatalogTable> target, bool definitionsKnown)
    {
        var onTarget = ByKey(target, t => (t.Schema, t.Name));
        foreach (var table in source)
        {
            if (!onTarget.TryGetValue((table.Schema, table.Name), out var other))
            {
                Missing(HydraValidationCategory.Table, table.Schema, table.Name, "The " + table.Kind + " is missing on the target.");
                continue;
            }

            _results.Compare(HydraValidationCategory.Table, table.Schema, table.Name, "Kind", table.Kind, other.Kind, "The table is of another kind on the target.");
            if (definitionsKnown)
            {
                _results.Compare(HydraValidationCategory.Table, table.Schema, table.Name, "Columns", string.Join(", ", table.Columns), string.Join(", ", other.Columns), "The columns (names, types, NOT NULL, defaults) differ on the target.");
            }

            if (table.AccessMethod is not null)
            {
                _results.Compare(HydraValidationCategory.Table, table.Schema, table.Name, "AccessMethod", table.AccessMethod, other.AccessMethod, string.Format(CultureInfo.InvariantCulture, "The table uses {0} on the target instead of {1}: restore without -NoTableAccessMethod into a server with the extension, or ALTER TABLE … SET ACCESS METHOD {1}.", other.AccessMethod ?? "(none)", table.AccessMethod));
            }
        }

        ReportExtras(HydraValidationCategory.Table, "table", source.Select(t => (t.Schema, t.Name)), target.Select(t => (t.Schema, t.Name)));
    }

    private void CompareColumnarOptions(IReadOnlyList<CatalogTable> source, IReadOnlyList<CatalogTable> target)
    {
        var onTarget = ByKey(target, t => (t.Schema, t.Name));
        foreach (var table in source.Where(t => t.Columnar is not null))
        {
            // A table missing or no longer columnar is already the Table check's failure; options of a heap table mean nothing.
            if (!onTarget.TryGetValue((table.Schema, table.Name), out var other) || other.Columnar is null)
            {
                continue;
            }

            var expected = Describe(table.Columnar!);
            if (IsUnknown(table.Columnar!))
            {
                _results.Add(HydraValidationCategory.ColumnarOptions, table.Schema, table.Name, "Options", expected, Describe(other.Columnar), HydraValidationStatus.Warning, "The source's options were not readable when recorded, so they cannot be compared.");
                continue;
            }

            _results.Compare(HydraValidationCategory.ColumnarOptions, table.Schema, table.Name, "Options", expected, Describe(other.Columnar), "The columnar options differ on the target (a plain pg_restore loses them): columnar.alter_columnar_table_set() restores them; new data is then written with them.");
        }
    }

    private void CompareExtensions(IReadOnlyList<ManifestExtension> source, IReadOnlyList<ManifestExtension> target)
    {
        var onTarget = ByKey(target, e => e.Name);
        foreach (var extension in source)
        {
            if (!onTarget.TryGetValue(extension.Name, out var other))
            {
                Missing(HydraValidationCategory.Extension, string.Empty, extension.Name, "The extension is not installed in the target database: CREATE EXTENSION " + extension.Name + ".");
                continue;
            }

            _results.Compare(HydraValidationCategory.Extension, string.Empty, extension.Name, "Version", extension.Version, other.Version, "The extension's version differs (CREATE EXTENSION IF NOT EXISTS keeps the target's): check that the target's version behaves as the application expects, or ALTER EXTENSION … UPDATE.", HydraValidationStatus.Warning);
        }

        ReportExtras(HydraValidationCategory.Extension, "extension", source.Select(e => (string.Empty, e.Name)), target.Select(e => (string.Empty, e.Name)));
    }

    private void CompareSettings(IReadOnlyList<ManifestDatabaseSetting> source, IReadOnlyList<ManifestDatabaseSetting> target)
    {
        static string NameOf(ManifestDatabaseSetting s) => s.Role is null ? s.Name : s.Name + " (role " + s.Role + ")";
        var onTarget = ByKey(target, NameOf);
        foreach (var setting in source)
        {
            onTarget.TryGetValue(NameOf(setting), out var other);
            _results.Compare(HydraValidationCategory.DatabaseSetting, string.Empty, NameOf(setting), "Value", setting.Value, other?.Value, "The database-level setting is lost or differs on the target (only pg_dump --create carries it): ALTER DATABASE … SET it again.");
        }

        ReportExtras(HydraValidationCategory.DatabaseSetting, "setting", source.Select(s => (string.Empty, NameOf(s))), target.Select(s => (string.Empty, NameOf(s))));
    }

    private void CompareSequences(IReadOnlyList<CatalogSequence> source, IReadOnlyList<CatalogSequence> target)
    {
        var onTarget = ByKey(target, s => (s.Schema, s.Name));
        foreach (var sequence in source)
        {
            if (!onTarget.TryGetValue((sequence.Schema, sequence.Name), out var other))
            {
                Missing(HydraValidationCategory.Sequence, sequence.Schema, sequence.Name, "The sequence is missing on the target.");
                continue;
            }

            var sourceText = sequence.NextValue?.ToString(CultureInfo.InvariantCulture);
            var targetText = other.NextValue?.ToString(CultureInfo.InvariantCulture);
            if (sequence.NextValue is null || other.NextValue is null)
            {
                _results.Add(HydraValidationCategory.Sequence, sequence.Schema, sequence.Name, "NextValue", sourceText, targetText, HydraValidationStatus.Warning, "This role may not read the sequence's position (SELECT or USAGE on it is needed).");
                continue;
            }

            // Ahead is fine (values were used since); behind would hand out values the source already gave.
            var behind = sequence.Increment >= 0 ? other.NextValue < sequence.NextValue : other.NextValue > sequence.NextValue;
            _results.Add(HydraValidationCategory.Sequence, sequence.Schema, sequence.Name, "NextValue", sourceText, targetText, behind ? HydraValidationStatus.Fail : HydraValidationStatus.Pass,
                behind ? "The sequence is behind the source: new rows would get keys the source already used. SELECT setval(…) to at least the source's value." : "Not behind the source.");
        }

        ReportExtras(HydraValidationCategory.Sequence, "sequence", source.Select(s => (s.Schema, s.Name)), target.Select(s => (s.Schema, s.Name)));
    }

    private void CompareOwners(CatalogSnapshot source, CatalogSnapshot target)
    {
        void Owners<T>(string noun, IEnumerable<T> sourceItems, IEnumerable<T> targetItems, Func<T, (string Schema, string Name)> key, Func<T, string?> owner)
        {
            var onTarget = ByKey(targetItems, key);
            foreach (var item in sourceItems.Where(i => owner(i) is not null))
            {
                if (onTarget.TryGetValue(key(item), out var other))
                {
                    var (schema, name) = key(item);
                    _results.Compare(HydraValidationCategory.Ownership, schema, name, "Owner", owner(item), owner(other), "The " + noun + " has another owner on the target: the restore ran with -NoOwner, or as a role that could not set owners. ALTER … OWNER TO, or validate with -NoOwner.");
                }
            }
        }

        Owners("schema", source.Schemas, target.Schemas, o => (o.Schema, o.Name), o => o.Owner);
        Owners("table", source.Tables, target.Tables, t => (t.Schema, t.Name), t => t.Owner);
        Owners("view", source.Views, target.Views, o => (o.Schema, o.Name), o => o.Owner);
        Owners("function", source.Functions, target.Functions, o => (o.Schema, o.Name), o => o.Owner);
        Owners("sequence", source.Sequences, target.Sequences, s => (s.Schema, s.Name), s => s.Owner);
    }

    private void Missing(HydraValidationCategory category, string schema, string name, string message) =>
        _results.Add(category, schema, name, "Present", "present", "missing", HydraValidationStatus.Fail, message);

    private void ReportExtras(HydraValidationCategory category, string noun, IEnumerable<(string Schema, string Name)> source, IEnumerable<(string Schema, string Name)> target)
    {
        if (!_reportTargetExtras)
        {
            return;
        }

        var known = new HashSet<(string, string)>(source);
        foreach (var (schema, name) in target.Where(t => !known.Contains(t)))
        {
            _results.Add(category, schema, name, "Present", "missing", "present", HydraValidationStatus.Warning, "The " + noun + " exists only on the target: nothing was lost, but the databases differ.");
        }
    }

    private static bool IsUnknown(ColumnarOptions options) =>
        options.ChunkGroupRowLimit is null && options.StripeRowLimit is null && options.Compression is null && options.CompressionLevel is null;

    internal static string Describe(ColumnarOptions options) => string.Format(
        CultureInfo.InvariantCulture,
        "chunk_group_row_limit={0}, stripe_row_limit={1}, compression={2}, compression_level={3}",
        options.ChunkGroupRowLimit?.ToString(CultureInfo.InvariantCulture) ?? "?",
        options.StripeRowLimit?.ToString(CultureInfo.InvariantCulture) ?? "?",
        options.Compression ?? "?",
        options.CompressionLevel?.ToString(CultureInfo.InvariantCulture) ?? "?");

    private static Dictionary<TKey, T> ByKey<T, TKey>(IEnumerable<T> items, Func<T, TKey> key)
        where TKey : notnull
    {
        var map = new Dictionary<TKey, T>();
        foreach (var item in items)
        {
            map[key(item)] = item;
        }

        return map;
    }
}
