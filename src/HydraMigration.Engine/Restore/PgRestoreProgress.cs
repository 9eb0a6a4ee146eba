using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using HydraMigration.Archive;
using HydraMigration.Infrastructure;

namespace HydraMigration.Restore;

/// <summary>
/// A percentage from pg_restore --verbose, weighted by the data sizes the archive records:
/// "finished item N TABLE DATA" (parallel) completes entry N exactly; "processing data for
/// table" (serial) completes the table before it.
/// </summary>
internal sealed class PgRestoreProgress
{
    private static readonly Regex Finished = new(@"finished item (?<id>\d+) TABLE DATA", RegexOptions.CultureInvariant);
    private static readonly Regex Processing = new("processing data for table \"(?<name>.+)\"$", RegexOptions.CultureInvariant);

    private readonly Dictionary<int, long> _sizeById;
    private readonly Dictionary<string, int> _idByName;
    private readonly HashSet<int> _done = new();
    private readonly long _total;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int? _current;
    private long _doneBytes;

    public PgRestoreProgress(IEnumerable<TocEntry> dataEntries)
    {
        var entries = dataEntries.Where(e => e.Desc == "TABLE DATA").ToList();
        _sizeById = entries.ToDictionary(e => e.DumpId, e => Math.Max(e.DataSize ?? 1, 1));
        _idByName = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            _idByName[(entry.Namespace ?? string.Empty) + "." + entry.Tag] = entry.DumpId;
        }

        _total = Math.Max(_sizeById.Values.Sum(), 1);
    }

    public OperationProgress? OnLine(string line)
    {
        var finished = Finished.Match(line);
        if (finished.Success)
        {
            Complete(int.Parse(finished.Groups["id"].Value, CultureInfo.InvariantCulture));
            return Report("Restored data of entry " + finished.Groups["id"].Value);
        }

        var processing = Processing.Match(line);
        if (processing.Success && _idByName.TryGetValue(processing.Groups["name"].Value, out var id))
        {
            if (_current is { } previous)
            {
                Complete(previous);
            }

            _current = id;
            return Report("Restoring " + processing.Groups["name"].Value);
        }

        return null;
    }

    /// <summary>Entry <paramref name="id"/>'s data was loaded outside pg_restore (a split table).</summary>
    public OperationProgress Completed(int id)
    {
        Complete(id);
        return Report("Restored data of entry " + id.ToString(CultureInfo.InvariantCulture));
    }

    private void Complete(int id)
    {
        if (_done.Add(id) && _sizeById.TryGetValue(id, out var size))
        {
            _doneBytes += size;
        }
    }

    private OperationProgress Report(string status) => new(
        status,
        (int)Math.Min(99, _doneBytes * 100 / _total),
        string.Format(CultureInfo.InvariantCulture, "{0} of {1} tables, {2} of {3} archived data, {4}", _done.Count, _sizeById.Count, Units.Bytes(_doneBytes), Units.Bytes(_total), Units.Rate(_doneBytes, _clock.Elapsed.TotalSeconds)));
}
