using System;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using HydraMigration.Archive;

namespace HydraMigration.Archive;

/// <summary>
/// Where each sequence stands in the archive itself. Sequences ignore snapshots: read from the
/// catalog after pg_dump, a busy source's sequence is already ahead of what pg_dump saved, and a
/// correct restore would look "behind". The archive's SEQUENCE SET entries hold what pg_dump
/// really saved (<c>SELECT pg_catalog.setval('s', 42, true);</c>), so the manifest records those.
/// </summary>
internal static class ArchiveSequencePositions
{
    private static readonly Regex SetVal = new(@"setval\('.*',\s*(-?\d+),\s*(true|false)\)", RegexOptions.CultureInvariant | RegexOptions.Singleline);

    public static void Apply(ArchiveToc toc, CatalogSnapshot catalog)
    {
        var sequences = catalog.Sequences.GroupBy(s => (s.Schema, s.Name)).ToDictionary(g => g.Key, g => g.First());
        foreach (var entry in toc.Entries.Where(e => e.Desc == "SEQUENCE SET" && e.Definition is not null))
        {
            var match = SetVal.Match(entry.Definition!);
            if (!match.Success || !sequences.TryGetValue((entry.Namespace ?? string.Empty, entry.Tag), out var sequence))
            {
                continue;
            }

            var value = decimal.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            sequence.NextValue = match.Groups[2].Value == "true" ? value + sequence.Increment : value;
        }
    }
}
