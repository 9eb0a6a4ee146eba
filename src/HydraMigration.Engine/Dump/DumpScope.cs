using System.Collections.Generic;
using System.Linq;
using HydraMigration.Catalog;

namespace HydraMigration.Dump;

/// <summary>
/// Decides which tables a pg_dump run includes, and whether their rows go with them, with
/// pg_dump's own rules: -t selects tables and then -n/-N no longer apply; otherwise -n narrows
/// to schemas and -N removes some; -T removes tables; --exclude-table-data and --schema-only
/// keep the definition without the rows. Partitioned parents hold no rows of their own.
/// </summary>
internal sealed class DumpScope
{
    private readonly IReadOnlyList<NamePattern> _schemas;
    private readonly IReadOnlyList<NamePattern> _excludeSchemas;
    private readonly IReadOnlyList<NamePattern> _tables;
    private readonly IReadOnlyList<NamePattern> _excludeTables;
    private readonly IReadOnlyList<NamePattern> _excludeData;
    private readonly bool _schemaOnly;

    public DumpScope(DumpRequest request)
    {
        _schemas = NamePattern.ParseAll(request.Schemas);
        _excludeSchemas = NamePattern.ParseAll(request.ExcludeSchemas);
        _tables = NamePattern.ParseAll(request.Tables);
        _excludeTables = NamePattern.ParseAll(request.ExcludeTables);
        _excludeData = NamePattern.ParseAll(request.ExcludeTableData);
        _schemaOnly = request.SchemaOnly;
    }

    public bool Includes(SourceTable table)
    {
        bool included;
        if (_tables.Count > 0)
        {
            included = Matches(_tables, table);
        }
        else
        {
            included = (_schemas.Count == 0 || _schemas.Any(p => p.MatchesSchema(table.Schema)))
                && !_excludeSchemas.Any(p => p.MatchesSchema(table.Schema));
        }

        return included && !Matches(_excludeTables, table);
    }

    /// <summary>Whether the schema filters (-n/-N) keep this schema's objects; -t dumps only tables and ignores them.</summary>
    public bool IncludesSchema(string schema) =>
        (_schemas.Count == 0 || _schemas.Any(p => p.MatchesSchema(schema))) && !_excludeSchemas.Any(p => p.MatchesSchema(schema));

    /// <summary>Whether a table pattern names no schema: only those match by visibility on the search path (<see cref="SourceTable.Visible"/>).</summary>
    public bool NeedsVisibility =>
        _tables.Concat(_excludeTables).Concat(_excludeData).Any(p => p.Unqualified);

    public bool DumpsData(SourceTable table) =>
        !_schemaOnly && table.Kind == 'r' && !Matches(_excludeData, table);

    private static bool Matches(IEnumerable<NamePattern> patterns, SourceTable table) =>
        patterns.Any(p => p.MatchesTable(table.Schema, table.Name, table.Visible));
}
