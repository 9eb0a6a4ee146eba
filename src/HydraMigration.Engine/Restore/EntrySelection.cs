using System.Collections.Generic;
using System.Linq;
using HydraMigration.Archive;

namespace HydraMigration.Restore;

/// <summary>
/// The entries a pg_restore run will restore, decided as pg_restore decides it
/// (_tocEntryRequired): a --use-list selection, then --schema (only entries in those schemas;
/// entries with no schema, such as extensions, drop out), --table (only tables, views, sequences
/// and their data by that name), with comments and privileges following their parent, then
/// --schema-only / --data-only.
/// </summary>
internal static class EntrySelection
{
    private static readonly HashSet<string> TableLike = new()
    {
        "TABLE", "TABLE DATA", "VIEW", "FOREIGN TABLE", "MATERIALIZED VIEW", "MATERIALIZED VIEW DATA", "SEQUENCE", "SEQUENCE SET",
    };

    private static readonly HashSet<string> Dependent = new() { "ACL", "COMMENT", "SECURITY LABEL" };

    private static readonly HashSet<string> Data = new() { "TABLE DATA", "SEQUENCE SET", "BLOBS", "BLOB", "BLOB DATA", "LARGE OBJECTS" };

    public static List<TocEntry> Select(RestoreRequest request, ArchiveToc toc)
    {
        var entries = request.SelectedIds.Count == 0
            ? toc.Entries.Where(e => e.IsSelectable).ToList()
            : toc.Entries.Where(e => request.SelectedIds.Contains(e.DumpId)).ToList();

        if (request.Schemas.Count > 0 || request.Tables.Count > 0)
        {
            var kept = new HashSet<int>(entries.Where(e => !Dependent.Contains(e.Desc) && Wanted(request, e)).Select(e => e.DumpId));
            entries = entries.Where(e => kept.Contains(e.DumpId) || (Dependent.Contains(e.Desc) && e.Dependencies.Any(kept.Contains))).ToList();
        }

        if (request.SchemaOnly)
        {
            entries = entries.Where(e => !Data.Contains(e.Desc)).ToList();
        }
        else if (request.DataOnly)
        {
            entries = entries.Where(e => Data.Contains(e.Desc)).ToList();
        }

        return entries;
    }

    private static bool Wanted(RestoreRequest request, TocEntry entry)
    {
        if (request.Schemas.Count > 0 && (entry.Namespace is null || !request.Schemas.Contains(entry.Namespace)))
        {
            return false;
        }

        return request.Tables.Count == 0 || (TableLike.Contains(entry.Desc) && request.Tables.Contains(entry.Tag));
    }
}
