using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Infrastructure;
using Npgsql;

namespace HydraMigration.Validation;

/// <summary>A table whose rows are compared: both sides' descriptions and, from a manifest, the recorded count.</summary>
internal sealed class TableWork
{
    public TableWork(CatalogTable source, CatalogTable target, long? recordedRows)
    {
        Source = source;
        Target = target;
        RecordedRows = recordedRows;
    }

    public CatalogTable Source { get; }

    public CatalogTable Target { get; }

    /// <summary>The row count the dump's manifest recorded; null when the source is live.</summary>
    public long? RecordedRows { get; }

    public string DisplayName => Source.Schema + "." + Source.Name;
}

/// <summary>
/// Exact row counts and content hashes, table by table, over two bounded connection pools
/// worked at the same time: source and target queries of every table are queued at once, the
/// largest tables first, so both servers stay busy until the end.
/// </summary>
internal sealed class TableDataValidator
{
    private readonly ConnectionPool? _source;
    private readonly ConnectionPool _target;
    private readonly IOperationReporter _reporter;
    private readonly long _rowsPerRange;
    private int _done;

    public TableDataValidator(ConnectionPool? source, ConnectionPool target, IOperationReporter reporter, long rowsPerRange)
    {
        _source = source;
        _target = target;
        _reporter = reporter;
        _rowsPerRange = rowsPerRange;
    }

    public async Task RunAsync(IReadOnlyList<TableWork> tables, bool countRows, bool checksum, ValidationResults results, CancellationToken cancellationToken)
    {
        var ordered = tables.OrderByDescending(t => Math.Max(t.Source.EstimatedRows, t.Target.EstimatedRows)).ToList();
        _reporter.Progress(new OperationProgress(string.Format(CultureInfo.InvariantCulture, "Comparing rows: 0 of {0} tables", ordered.Count), 0));
        await Task.WhenAll(ordered.Select(t => ValidateAsync(t, ordered.Count, countRows, checksum, results, cancellationToken))).ConfigureAwait(false);
    }

    private async Task ValidateAsync(TableWork table, int total, bool countRows, bool checksum, ValidationResults results, CancellationToken cancellationToken)
    {
        if (checksum && _source is not null)
        {
            var ranges = await KeyRangesAsync(table, cancellationToken).ConfigureAwait(false);
            var sourceHashes = Task.WhenAll(ranges.Select(r => _source.RunAsync(c => HashAsync(c, table.Source, r, cancellationToken), cancellationToken)));
            var targetHashes = Task.WhenAll(ranges.Select(r => _target.RunAsync(c => HashAsync(c, table.Source, r, cancellationToken), cancellationToken)));
            var onSource = await sourceHashes.ConfigureAwait(false);
            var onTarget = await targetHashes.ConfigureAwait(false);
            if (countRows)
            {
                AddCount(results, table, onSource.Sum(h => h.Rows), onTarget.Sum(h => h.Rows));
            }

            AddChecksum(results, table, ranges, onSource, onTarget);
        }
        else if (countRows)
        {
            var sourceCount = table.RecordedRows is { } recorded
                ? Task.FromResult(recorded)
                : _source!.RunAsync(c => CountAsync(c, table.Source, cancellationToken), cancellationToken);
            var targetCount = _target.RunAsync(c => CountAsync(c, table.Source, cancellationToken), cancellationToken);
            AddCount(results, table, await sourceCount.ConfigureAwait(false), await targetCount.ConfigureAwait(false));
        }

        var done = Interlocked.Increment(ref _done);
        _reporter.Progress(new OperationProgress(string.Format(CultureInfo.InvariantCulture, "Comparing rows: {0} of {1} tables", done, total), done * 100 / Math.Max(1, total), table.DisplayName));
    }

    private static void AddCount(ValidationResults results, TableWork table, long source, long target)
    {
        var difference = target - source;
        results.Add(
            HydraValidationCategory.RowCount,
            table.Source.Schema,
            table.Source.Name,
            "Count",
            source.ToString(CultureInfo.InvariantCulture),
            target.ToString(CultureInfo.InvariantCulture),
            difference == 0 ? HydraValidationStatus.Pass : HydraValidationStatus.Fail,
            difference == 0 ? "Matches." : string.Format(CultureInfo.InvariantCulture, "The target has {0} {1} row(s) than the source.", Math.Abs(difference), difference < 0 ? "fewer" : "more"));
    }

    private static void AddChecksum(ValidationResults results, TableWork table, IReadOnlyList<KeyRange> ranges, RangeHash[] source, RangeHash[] target)
    {
        var differing = Enumerable.Range(0, ranges.Count).Where(i => !source[i].Equals(target[i])).ToList();
        var sourceText = Digest(source);
        var targetText = Digest(target);
        if (differing.Count == 0)
        {
            results.Add(HydraValidationCategory.DataChecksum, table.Source.Schema, table.Source.Name, "Checksum", sourceText, targetText, HydraValidationStatus.Pass, string.Format(CultureInfo.InvariantCulture, "Matches ({0} key range(s)).", ranges.Count));
            return;
        }

        var detail = string.Join("; ", differing.Select(i => string.Format(CultureInfo.InvariantCulture, "{0} (source {1} rows, target {2} rows)", ranges[i].Describe(table.Source), source[i].Rows, target[i].Rows)));
        results.Add(HydraValidationCategory.DataChecksum, table.Source.Schema, table.Source.Name, "Checksum", sourceText, targetText, HydraValidationStatus.Fail, string.Format(CultureInfo.InvariantCulture, "The contents differ in {0} of {1} key range(s): {2}.", differing.Count, ranges.Count, detail));
    }

    /// <summary>The whole table, or (a large table with an integer key) equal-width ranges of the key's values on the source, applied to both sides.</summary>
    private async Task<IReadOnlyList<KeyRange>> KeyRangesAsync(TableWork table, CancellationToken cancellationToken)
    {
        var pieces = (int)Math.Min(64, Math.Ceiling(table.Source.EstimatedRows / _rowsPerRange));
        if (!table.Source.IntegerKey || pieces < 2)
        {
            return new[] { KeyRange.All };
        }

        var key = Sql.Identifier(table.Source.PrimaryKey[0]);
        var (low, high) = await _source!.RunAsync(
            async c =>
            {
                using var command = new NpgsqlCommand("SELECT min(" + key + ")::int8, max(" + key + ")::int8 FROM ONLY " + Sql.Qualified(table.Source.Schema, table.Source.Name), c);
                using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                return reader.IsDBNull(0) ? (0L, 0L) : (reader.GetInt64(0), reader.GetInt64(1));
            },
            cancellationToken).ConfigureAwait(false);
        var width = ((decimal)high - low + 1) / pieces;
        if (width < 1)
        {
            return new[] { KeyRange.All };
        }

        // The first and last ranges are open-ended, so target rows outside the source's key span are caught too.
        var bounds = Enumerable.Range(1, pieces - 1).Select(i => (long)(low + (width * i))).Distinct().ToList();
        var ranges = new List<KeyRange> { new(null, bounds[0]) };
        for (var i = 1; i < bounds.Count; i++)
        {
            ranges.Add(new KeyRange(bounds[i - 1], bounds[i]));
        }

        ranges.Add(new KeyRange(bounds[bounds.Count - 1], null));
        return ranges;
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection, CatalogTable table, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand("SELECT count(*) FROM ONLY " + Sql.Qualified(table.Schema, table.Name), connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The rows of one key range, hashed on the server: every row's text form through md5, its
    /// first 64 bits summed as numeric (exact, no overflow), plus the count. A sum does not
    /// depend on row order, so neither side sorts (ORDER BY over a large table would spill to
    /// disk and cost more than the scan) and columnar and heap tables hash alike; as a multiset
    /// hash it still changes with any missing, extra or altered row (a collision needs two
    /// changes whose 64-bit parts cancel exactly).
    /// </summary>
    private static async Task<RangeHash> HashAsync(NpgsqlConnection connection, CatalogTable table, KeyRange range, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder("SELECT count(*), coalesce(sum(('x' || substr(md5(ROW(hydra_row.*)::text), 1, 16))::bit(64)::int8::numeric), 0)::text FROM ONLY ")
            .Append(Sql.Qualified(table.Schema, table.Name)).Append(" AS hydra_row");
        using var command = new NpgsqlCommand { Connection = connection };
        if (range.From is not null || range.To is not null)
        {
            var key = "hydra_row." + Sql.Identifier(table.PrimaryKey[0]);
            var conditions = new List<string>();
            if (range.From is { } from)
            {
                conditions.Add(key + " >= @from");
                command.Parameters.AddWithValue("from", from);
            }

            if (range.To is { } to)
            {
                conditions.Add(key + " < @to");
                command.Parameters.AddWithValue("to", to);
            }

            sql.Append(" WHERE ").Append(string.Join(" AND ", conditions));
        }

        command.CommandText = sql.ToString();
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new RangeHash(reader.GetInt64(0), reader.GetString(1));
    }

    /// <summary>A short fingerprint of all ranges' hashes, to show in SourceValue/TargetValue.</summary>
    private static string Digest(IEnumerable<RangeHash> hashes)
    {
        using var sha = SHA256.Create();
        var bytes = sha.ComputeHash(Encoding.UTF8.GetBytes(string.Join("|", hashes.Select(h => h.Rows.ToString(CultureInfo.InvariantCulture) + ":" + h.Sum))));
        return BitConverter.ToString(bytes, 0, 8).Replace("-", string.Empty).ToLowerInvariant();
    }

    private readonly struct RangeHash : IEquatable<RangeHash>
    {
        public RangeHash(long rows, string sum)
        {
            Rows = rows;
            Sum = sum;
        }

        public long Rows { get; }

        public string Sum { get; }

        public bool Equals(RangeHash other) => Rows == other.Rows && string.Equals(Sum, other.Sum, StringComparison.Ordinal);

        public override bool Equals(object? obj) => obj is RangeHash other && Equals(other);

        public override int GetHashCode() => Sum.GetHashCode();
    }

    private sealed class KeyRange
    {
        public static readonly KeyRange All = new(null, null);

        public KeyRange(long? from, long? to)
        {
            From = from;
            To = to;
        }

        public long? From { get; }

        public long? To { get; }

        public string Describe(CatalogTable table)
        {
            var key = table.PrimaryKey.Count > 0 ? table.PrimaryKey[0] : "key";
            return (From, To) switch
            {
                (null, null) => "all rows",
                (null, { } to) => string.Format(CultureInfo.InvariantCulture, "{0} < {1}", key, to),
                ({ } from, null) => string.Format(CultureInfo.InvariantCulture, "{0} >= {1}", key, from),
                ({ } from, { } to) => string.Format(CultureInfo.InvariantCulture, "{0} <= {1} < {2}", from, key, to),
            };
        }
    }
}
