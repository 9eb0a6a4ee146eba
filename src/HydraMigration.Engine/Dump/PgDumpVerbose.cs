using System;

namespace HydraMigration.Dump;

/// <summary>
/// The pg_dump --verbose lines the module acts on. Matched by plain ordinal search, not regular
/// expressions: every line pg_dump writes passes here, a line per table, while pg_dump runs.
/// </summary>
internal static class PgDumpVerbose
{
    private const string TableStarted = "dumping contents of table \"";
    private const string ItemFinished = "finished item ";
    private const string TableData = " TABLE DATA ";

    /// <summary>"schema.table" when pg_dump starts copying a table's rows (a line ending in: dumping contents of table "schema.table"; pg_dump prints the names unquoted).</summary>
    public static string? StartedTable(string line)
    {
        var at = line.IndexOf(TableStarted, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var start = at + TableStarted.Length;
        return line.Length > start + 1 && line[line.Length - 1] == '"' ? line.Substring(start, line.Length - 1 - start) : null;
    }

    /// <summary>The bare table name when a --jobs worker finishes a table's rows (a line ending in: finished item 1234 TABLE DATA name).</summary>
    public static string? FinishedTable(string line)
    {
        for (var at = line.IndexOf(ItemFinished, StringComparison.Ordinal); at >= 0; at = line.IndexOf(ItemFinished, at + 1, StringComparison.Ordinal))
        {
            var digits = at + ItemFinished.Length;
            var end = digits;
            while (end < line.Length && line[end] >= '0' && line[end] <= '9')
            {
                end++;
            }

            if (end > digits && string.CompareOrdinal(line, end, TableData, 0, TableData.Length) == 0 && line.Length > end + TableData.Length)
            {
                return line.Substring(end + TableData.Length);
            }
        }

        return null;
    }
}
