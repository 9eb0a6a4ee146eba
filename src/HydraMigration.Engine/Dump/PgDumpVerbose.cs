using System.Text.RegularExpressions;

namespace HydraMigration.Dump;

/// <summary>The pg_dump --verbose lines the module acts on.</summary>
internal static class PgDumpVerbose
{
    private static readonly Regex TableStarted = new("dumping contents of table \"(?<name>.+)\"$", RegexOptions.CultureInvariant);
    private static readonly Regex ItemFinished = new(@"finished item \d+ TABLE DATA (?<name>.+)$", RegexOptions.CultureInvariant);

    /// <summary>"schema.table" when pg_dump starts copying a table's rows (pg_dump prints the names unquoted).</summary>
    public static string? StartedTable(string line) => Capture(TableStarted, line);

    /// <summary>The bare table name when a --jobs worker finishes a table's rows.</summary>
    public static string? FinishedTable(string line) => Capture(ItemFinished, line);

    private static string? Capture(Regex pattern, string line)
    {
        var match = pattern.Match(line);
        return match.Success ? match.Groups["name"].Value : null;
    }
}
