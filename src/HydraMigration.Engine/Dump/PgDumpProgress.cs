using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using HydraMigration.Catalog;
using HydraMigration.Infrastructure;

namespace HydraMigration.Dump;

/// <summary>
/// Turns pg_dump --verbose lines into a percentage weighted by the tables' sizes in the
/// source: when pg_dump starts a table, every table started before it counts as done (with
/// --jobs, a table counts as done when pg_dump reports its item finished). The sizes arrive
/// while pg_dump runs (<see cref="Weigh"/>); until then the tables done are counted, not weighed.
/// Lines come from pg_dump's stderr reader, the sizes from the manifest's collector: one lock.
/// </summary>
internal sealed class PgDumpProgress
{
    private readonly object _lock = new();
    private readonly Dictionary<string, long> _sizes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _done = new(StringComparer.Ordinal);
    private readonly List<string> _running = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _parallel;
    private long _totalBytes = 1;
    private long _doneBytes;

    public PgDumpProgress(bool parallel) => _parallel = parallel;

    /// <summary>The tables whose rows pg_dump dumps, with their sizes in the source.</summary>
    public void Weigh(IReadOnlyList<SourceTable> tablesWithData)
    {
        lock (_lock)
        {
            foreach (var table in tablesWithData)
            {
                _sizes[table.DisplayName] = Math.Max(table.SizeBytes, 1);
            }

            _totalBytes = Math.Max(_sizes.Values.Sum(), 1);
            _doneBytes = _done.Sum(name => _sizes.TryGetValue(name, out var size) ? size : 0);
        }
    }

    /// <summary>
    /// The progress after this line, or null when the line does not move it.
    /// <paramref name="startedTable"/> is <see cref="PgDumpVerbose.StartedTable"/> of the line,
    /// which the caller has matched already: a line per table, 5,000 on 5,000 tables.
    /// </summary>
    public OperationProgress? OnLine(string line, string? startedTable)
    {
        lock (_lock)
        {
            return Advance(line, startedTable);
        }
    }

    private OperationProgress? Advance(string line, string? startedTable)
    {
        if (startedTable is { } name)
        {
            if (!_parallel)
            {
                foreach (var previous in _running)
                {
                    MarkDone(previous);
                }

                _running.Clear();
            }

            _running.Add(name);
            return Report("Dumping " + name);
        }

        if (PgDumpVerbose.FinishedTable(line) is { } table)
        {
            // pg_dump prints only the table name here; finish the running table it names.
            var match = _running.FirstOrDefault(r => r.EndsWith("." + table, StringComparison.Ordinal));
            if (match is not null)
            {
                _running.Remove(match);
                MarkDone(match);
                return Report("Dumped " + match);
            }
        }

        return null;
    }

    private void MarkDone(string name)
    {
        if (_done.Add(name) && _sizes.TryGetValue(name, out var size))
        {
            _doneBytes += size;
        }
    }

    private OperationProgress Report(string status)
    {
        if (_sizes.Count == 0)
        {
            return new OperationProgress(status, 0, string.Format(CultureInfo.InvariantCulture, "{0} tables", _done.Count));
        }

        var percent = (int)Math.Min(99, _doneBytes * 100 / _totalBytes);
        var (doneTables, tables, doneBytes, totalBytes, seconds) = (_done.Count, _sizes.Count, _doneBytes, _totalBytes, _clock.Elapsed.TotalSeconds);
        return OperationProgress.Lazy(status, percent, () => string.Format(
            CultureInfo.InvariantCulture,
            "{0} of {1} tables, {2} of {3} table data, {4}",
            doneTables,
            tables,
            Units.Bytes(doneBytes),
            Units.Bytes(totalBytes),
            Units.Rate(doneBytes, seconds)));
    }
}
