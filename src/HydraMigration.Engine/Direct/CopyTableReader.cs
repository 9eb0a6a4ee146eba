using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Catalog;
using HydraMigration.Dump;
using Npgsql;

namespace HydraMigration.Direct;

/// <summary>
/// Reads, in the snapshot, what each table's COPY needs: its copied columns, its pages, and
/// whether binary COPY can carry it. A type without binary send/receive functions (a user-defined
/// base type may have none) cannot go in binary, nor can a domain, array or composite built on
/// one: such tables go as text, and the copy says so. Arrays and composites of user-defined types
/// do go in binary: their binary form names the element's type OID, which differs on the
/// target, but the servers accept it (checked on PostgreSQL 15: enum arrays, composites with an
/// enum field).
/// </summary>
internal static class CopyTableReader
{
    public static async Task<List<CopyTable>> ReadAsync(NpgsqlConnection connection, IReadOnlyList<SourceTable> tables, CancellationToken cancellationToken)
    {
        if (tables.Count == 0)
        {
            return new List<CopyTable>();
        }

        // Walks each column's type through domains (to their base), arrays (to their element)
        // and composites (to their fields), and names the first type with no binary I/O.
        const string sql = @"WITH RECURSIVE cols AS (
    SELECT a.attrelid, a.attnum, a.attname, a.atttypid, pg_catalog.format_type(a.atttypid, a.atttypmod) AS typname
    FROM pg_catalog.pg_attribute a
    WHERE a.attrelid = ANY(@oids::bigint[]::oid[]) AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''),
steps(attrelid, attnum, typid, depth) AS (
    SELECT attrelid, attnum, atttypid, 0 FROM cols
    UNION ALL
    SELECT s.attrelid, s.attnum, n.next, s.depth + 1
    FROM steps s JOIN pg_catalog.pg_type t ON t.oid = s.typid
    CROSS JOIN LATERAL (
        SELECT t.typbasetype WHERE t.typtype = 'd'
        UNION ALL SELECT t.typelem WHERE t.typelem <> 0 AND t.typlen = -1
        UNION ALL SELECT f.atttypid FROM pg_catalog.pg_attribute f WHERE t.typtype = 'c' AND f.attrelid = t.typrelid AND f.attnum > 0 AND NOT f.attisdropped) n(next)
    WHERE s.depth < 8),
blocked AS (
    SELECT DISTINCT ON (s.attrelid, s.attnum) s.attrelid, s.attnum, pg_catalog.format_type(t.oid, NULL) AS blocker
    FROM steps s JOIN pg_catalog.pg_type t ON t.oid = s.typid
    WHERE t.typsend = 0 OR t.typreceive = 0
    ORDER BY s.attrelid, s.attnum, s.depth)
SELECT c.attrelid::bigint,
       array_agg(pg_catalog.quote_ident(c.attname) ORDER BY c.attnum),
       (SELECT 'column ' || pg_catalog.quote_ident(c2.attname) || ' (' || c2.typname || '): type ' || b.blocker || ' has no binary send/receive functions'
        FROM blocked b JOIN cols c2 ON c2.attrelid = b.attrelid AND c2.attnum = b.attnum
        WHERE b.attrelid = c.attrelid ORDER BY b.attnum LIMIT 1),
       pg_catalog.pg_relation_size(c.attrelid) / current_setting('block_size')::bigint
FROM cols c GROUP BY c.attrelid";

        var facts = new Dictionary<uint, (string[] Columns, string? Reason, long Pages)>();
        using (var command = new NpgsqlCommand(sql, connection))
        {
            command.Parameters.AddWithValue("oids", tables.Select(t => (long)t.Oid).ToArray());
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                facts[(uint)reader.GetInt64(0)] = (reader.GetFieldValue<string[]>(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? 0 : reader.GetInt64(3));
            }
        }

        return tables.Select(t =>
        {
            // A table without (copied) columns has no row in the query: its rows still count.
            var known = facts.TryGetValue(t.Oid, out var f);
            return new CopyTable(t.Schema, t.Name, t.SizeBytes, known ? f.Pages : 0, string.Equals(t.AccessMethod, "columnar", StringComparison.Ordinal), known ? f.Columns : Array.Empty<string>(), known ? f.Reason : null);
        }).ToList();
    }

    /// <summary>
    /// The work queue, biggest first so the longest copy starts at once and the small ones fill
    /// in around it. A heap table of at least <paramref name="splitAbove"/> bytes is split into
    /// one page range per worker — only when the cores can run the workers side by side
    /// (measured on two cores, two streams of one table were slower than one) and the source
    /// can scan a range of pages alone (TID range scans, PostgreSQL 14).
    /// </summary>
    public static List<CopyWorkItem> Queue(IEnumerable<CopyTable> tables, int jobs, long splitAbove, int sourceVersionNum, int processors)
    {
        var split = jobs > 1 && processors > 2 && sourceVersionNum >= 140000;
        var items = new List<CopyWorkItem>();
        foreach (var table in tables)
        {
            if (split && !table.Columnar && table.SizeBytes >= splitAbove && table.Pages >= jobs * 16)
            {
                var step = table.Pages / jobs;
                for (var part = 0; part < jobs; part++)
                {
                    items.Add(new CopyWorkItem(table, part * step, part == jobs - 1 ? null : (part + 1) * step, part, jobs));
                }
            }
            else
            {
                items.Add(new CopyWorkItem(table));
            }
        }

        return items.OrderByDescending(i => i.Bytes).ThenBy(i => i.Table.DisplayName, StringComparer.Ordinal).ThenBy(i => i.Part).ToList();
    }

    public static string Describe(CopyWorkItem item) =>
        string.Format(CultureInfo.InvariantCulture, "{0}: {1}{2}{3}", item.Describe(), Infrastructure.Units.Bytes(item.Bytes), item.Table.Columnar ? ", columnar" : string.Empty, item.Table.Binary ? string.Empty : ", text COPY");
}
