using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace HydraMigration.Validation;

/// <summary>
/// -Schema, -Table and -ExcludeTable: PowerShell wildcards. A table pattern matches the bare
/// name or "schema.name". Schema patterns narrow every category; table patterns narrow the
/// table-bound ones (tables, rows, indexes, constraints, triggers, owned sequences, options).
/// </summary>
internal sealed class ValidationScope
{
    private readonly List<WildcardPattern> _schemas;
    private readonly List<WildcardPattern> _tables;
    private readonly List<WildcardPattern> _excludeTables;

    public ValidationScope(IEnumerable<string> schemas, IEnumerable<string> tables, IEnumerable<string> excludeTables)
    {
        _schemas = Patterns(schemas);
        _tables = Patterns(tables);
        _excludeTables = Patterns(excludeTables);
    }

    public bool IsFiltered => _schemas.Count + _tables.Count + _excludeTables.Count > 0;

    public bool IncludesSchema(string schema) => _schemas.Count == 0 || _schemas.Any(p => p.IsMatch(schema));

    public bool IncludesTable(string schema, string table) =>
        IncludesSchema(schema)
        && (_tables.Count == 0 || Matches(_tables, schema, table))
        && !Matches(_excludeTables, schema, table);

    /// <summary>A copy holding only what the filters keep; the original (perhaps a manifest's) is left alone.</summary>
    public CatalogSnapshot Apply(CatalogSnapshot snapshot)
    {
        bool Bound(string schema, string? table) => table is null ? IncludesSchema(schema) : IncludesTable(schema, table);
        return new CatalogSnapshot
        {
            Database = snapshot.Database,
            Schemas = snapshot.Schemas.Where(s => IncludesSchema(s.Name)).ToList(),
            Tables = snapshot.Tables.Where(t => IncludesTable(t.Schema, t.Name)).ToList(),
            Views = snapshot.Views.Where(v => IncludesSchema(v.Schema)).ToList(),
            Functions = snapshot.Functions.Where(f => IncludesSchema(f.Schema)).ToList(),
            Indexes = snapshot.Indexes.Where(i => Bound(i.Schema, i.Table)).ToList(),
            Constraints = snapshot.Constraints.Where(c => Bound(c.Schema, c.Table)).ToList(),
            Sequences = snapshot.Sequences.Where(s => Bound(s.Schema, s.Table)).ToList(),
            Triggers = snapshot.Triggers.Where(t => Bound(t.Schema, t.Table)).ToList(),
            Extensions = snapshot.Extensions,
            Settings = snapshot.Settings,
        };
    }

    private static bool Matches(List<WildcardPattern> patterns, string schema, string table) =>
        patterns.Any(p => p.IsMatch(table) || p.IsMatch(schema + "." + table));

    private static List<WildcardPattern> Patterns(IEnumerable<string> values) =>
        values.Select(v => new WildcardPattern(v, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant)).ToList();
}
