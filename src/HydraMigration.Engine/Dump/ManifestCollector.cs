using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using HydraMigration.Archive;
using HydraMigration.Catalog;
using HydraMigration.Infrastructure;

namespace HydraMigration.Dump;

/// <summary>
/// Gathers a manifest's facts on the snapshot connection while pg_dump runs: the server and the
/// table list first, then the catalog (one batch of set-based queries, whatever the number of
/// tables), then the row counts. Tables counted on the source
/// are counted once pg_dump starts copying them — after pg_dump's catalog phase, whose many
/// small queries a busy server would slow — and the small ones in batches: every table pg_dump
/// announced while the previous batch ran is counted by the next query, so 5,000 small tables
/// cost a handful of round trips, not 5,000. pg_dump is usually CPU-bound (it compresses), so a
/// large table is counted in paced cursor steps that use only the CPU pg_dump leaves idle, and
/// at full speed once pg_dump has exited. Tables pg_dump never announces are counted when it
/// exits, still in the same snapshot. Small tables of a custom-format archive on this computer
/// are counted from the archive instead (<see cref="ReconcileWithArchiveAsync"/>).
/// </summary>
internal sealed class ManifestCollector
{
    private readonly SnapshotTransaction _snapshot;
    private readonly CatalogReader _catalog;
    private readonly DumpScope _scope;
    private readonly HydraConnection _source;
    private readonly ManifestSource? _knownServer;
    private readonly Func<SourceTable, bool> _selects;
    private readonly bool _countRows;
    private readonly IOperationReporter _reporter;
    // Large tables are counted in paced cursor steps while pg_dump runs; small ones at once.
    private const long PacedCountMinimumBytes = 32L * 1024 * 1024;

    // Tables this small are counted from the archive once pg_dump has written it (ArchiveRowCounter),
    // up to this much of their data in all: reading a few bytes beats planning a count(*).
    private const long ArchiveCountMaximumBytes = 1024L * 1024;
    private const long ArchiveCountBudgetBytes = 64L * 1024 * 1024;

    // The tables left to ArchiveRowCounter; counted on the source after all if the archive cannot be read here.
    private readonly HashSet<ManifestTable> _countFromArchive = new();
    private readonly bool _archiveCountable;

    // The display names of the tables counted on the source, published whole (never changed after) once known.
    private volatile HashSet<string>? _countedOnSource;

    private readonly Channel<string> _started = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    // Every table pg_dump could dump, and those the dump's filters select: read by CollectAsync.
    private List<SourceTable> _allTables = new();
    private List<SourceTable> _tables = new();

    /// <summary>
    /// A collector in <paramref name="snapshot"/>; <paramref name="selects"/> picks the tables the
    /// manifest lists (by default those the dump's filters select). With
    /// <paramref name="archiveCountable"/> (a custom-format archive this computer can read), small
    /// tables are counted from the archive in <see cref="ReconcileWithArchiveAsync"/>.
    /// <paramref name="knownServer"/>: the server's facts, when the caller has read them already in this snapshot.
    /// </summary>
    public ManifestCollector(SnapshotTransaction snapshot, DumpScope scope, HydraConnection source, bool countRows, IOperationReporter reporter, Func<SourceTable, bool>? selects = null, bool archiveCountable = false, ManifestSource? knownServer = null)
    {
        _knownServer = knownServer;
        _archiveCountable = archiveCountable && countRows;
        _snapshot = snapshot;
        _catalog = new CatalogReader(snapshot.Connection);
        _scope = scope;
        _selects = selects ?? scope.Includes;
        _source = source;
        _countRows = countRows;
        _reporter = reporter;
    }

    /// <summary>The tables the manifest lists, once <see cref="CollectAsync"/> has read them.</summary>
    public IReadOnlyList<SourceTable> SelectedTables => _tables;

    /// <summary>Raised once the table list is read, with the tables whose rows pg_dump dumps (on the collector's task).</summary>
    public event Action<IReadOnlyList<SourceTable>>? TablesRead;

    /// <summary>The source's catalog as the snapshot holds it (every table's facts and every object), once <see cref="CollectAsync"/> has read it.</summary>
    public CatalogSnapshot Objects { get; private set; } = new();

    /// <summary>The source's foreign tables, read with <see cref="Objects"/>.</summary>
    public List<(string Schema, string Name)> ForeignTables { get; private set; } = new();

    /// <summary>
    /// pg_dump started copying "schema.table" (called from pg_dump's stderr reader). Once the
    /// tables are described, only those counted on the source are queued: a table counted from
    /// the archive would wake the counting loop for nothing, thousands of times on a database of
    /// many small tables.
    /// </summary>
    public void TableDumpStarted(string displayName)
    {
        if (_countedOnSource is not { } counted || counted.Contains(displayName))
        {
            _started.Writer.TryWrite(displayName);
        }
    }

    /// <summary>pg_dump has exited: whatever was not counted yet is counted now.</summary>
    public void DumpEnded() => _started.Writer.TryComplete();

    public async Task<DumpManifest> CollectAsync(CancellationToken cancellationToken)
    {
        var server = _knownServer ?? await _catalog.ReadServerAsync(_source, cancellationToken).ConfigureAwait(false);
        _allTables = await _catalog.ReadTablesAsync(_scope.NeedsVisibility, cancellationToken).ConfigureAwait(false);
        _tables = _allTables.Where(_selects).ToList();
        TablesRead?.Invoke(_tables.Where(_scope.DumpsData).ToList());
        _reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "{0} of the database's {1} table(s) selected.", _tables.Count, _allTables.Count));

        Objects = await _catalog.ReadObjectsAsync(_allTables, cancellationToken).ConfigureAwait(false);
        ForeignTables = await _catalog.ReadForeignTablesAsync(cancellationToken).ConfigureAwait(false);
        var manifest = new DumpManifest { Source = server, Extensions = Objects.Extensions, DatabaseSettings = Objects.Settings };
        var byDisplayName = new Dictionary<string, ManifestTable>(StringComparer.Ordinal);
        var archiveBudget = ArchiveCountBudgetBytes;
        foreach (var table in _tables)
        {
            var entry = Describe(table.Table, table.SizeBytes, _scope.DumpsData(table));
            manifest.Tables.Add(entry);
            byDisplayName[table.DisplayName] = entry;
            if (_archiveCountable && entry.DataDumped && entry.SourceSizeBytes <= Math.Min(ArchiveCountMaximumBytes, archiveBudget))
            {
                _countFromArchive.Add(entry);
                archiveBudget -= entry.SourceSizeBytes;
            }
        }

        _countedOnSource = new HashSet<string>(byDisplayName.Where(t => _countRows && !_countFromArchive.Contains(t.Value)).Select(t => t.Key), StringComparer.Ordinal);
        if (_countRows)
        {
            var queued = new HashSet<ManifestTable>();
            var batch = new List<ManifestTable>();
            while (await _started.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (_started.Reader.TryRead(out var name))
                {
                    if (!byDisplayName.TryGetValue(name, out var table) || !table.DataDumped || _countFromArchive.Contains(table) || !queued.Add(table))
                    {
                        continue;
                    }

                    if (table.SourceSizeBytes < PacedCountMinimumBytes)
                    {
                        batch.Add(table);
                        continue;
                    }

                    await CountAsync(batch, cancellationToken).ConfigureAwait(false);
                    table.RowCount = await _snapshot.CountRowsInStepsAsync(table.Schema, table.Name, PauseWhilePgDumpRuns, cancellationToken).ConfigureAwait(false);
                }

                await CountAsync(batch, cancellationToken).ConfigureAwait(false);
            }

            batch.AddRange(manifest.Tables.Where(t => t.DataDumped && t.RowCount is null && !_countFromArchive.Contains(t)));
            await CountAsync(batch, cancellationToken).ConfigureAwait(false);
        }

        return manifest;
    }

    /// <summary>Counts the batch's tables in one query per few hundred, and empties it.</summary>
    private async Task CountAsync(List<ManifestTable> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        var counts = await _snapshot.CountRowsAsync(batch, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].RowCount = counts[i];
        }

        batch.Clear();
    }

    /// <summary>Twice each step's time while pg_dump runs (a third of a core at most); nothing once it has exited.</summary>
    private TimeSpan PauseWhilePgDumpRuns(TimeSpan step) =>
        _started.Reader.Completion.IsCompleted ? TimeSpan.Zero : TimeSpan.FromTicks(step.Ticks * 2);

    /// <summary>
    /// Makes the manifest's table list exactly the archive's: pg_dump's TOC is the final word on
    /// which tables (and rows) it wrote. The snapshot is still open, so a table counted here is
    /// counted in the same state pg_dump saw. Roles come from the TOC's owners and grantees.
    /// </summary>
    /// <returns>The archive's table of contents, for what else the caller reads from it.</returns>
    public async Task<ArchiveToc> ReconcileWithArchiveAsync(DumpManifest manifest, string archivePath, Storage.IFileStore files, CancellationToken cancellationToken)
    {
        var toc = ArchiveReader.Read(archivePath, files);
        var inArchive = new HashSet<(string, string)>(toc.Entries.Where(e => e.Desc == "TABLE").Select(e => (e.Namespace ?? string.Empty, e.Tag)));
        var withData = new HashSet<(string, string)>(toc.Entries.Where(e => e.Desc == "TABLE DATA").Select(e => (e.Namespace ?? string.Empty, e.Tag)));

        var dropped = manifest.Tables.RemoveAll(t => !inArchive.Contains((t.Schema, t.Name)) && !withData.Contains((t.Schema, t.Name)));
        if (dropped > 0)
        {
            _reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "{0} table(s) the filters seemed to select are not in the archive; left out of the manifest.", dropped));
        }

        var toCount = new List<ManifestTable>();
        foreach (var table in manifest.Tables)
        {
            var hasData = withData.Contains((table.Schema, table.Name));
            if (!hasData)
            {
                table.RowCount = null;
            }
            else if ((!table.DataDumped || _countFromArchive.Contains(table)) && _countRows)
            {
                toCount.Add(table);
            }

            table.DataDumped = hasData;
        }

        CountFromArchive(toc, archivePath, files, toCount, cancellationToken);

        var known = new HashSet<(string, string)>(manifest.Tables.Select(t => (t.Schema, t.Name)));
        var sources = _allTables.ToDictionary(t => (t.Schema, t.Name));
        foreach (var entry in toc.Entries.Where(e => e.Desc == "TABLE" && !known.Contains((e.Namespace ?? string.Empty, e.Tag))))
        {
            // A table the filters' reading here missed (pg_dump's pattern matching is the server's
            // regular expressions): described from the same snapshot, options and all.
            var schema = entry.Namespace ?? string.Empty;
            var hasData = withData.Contains((schema, entry.Tag));
            var table = sources.TryGetValue((schema, entry.Tag), out var source)
                ? Describe(source.Table, source.SizeBytes, hasData)
                : new ManifestTable { Schema = schema, Name = entry.Tag, AccessMethod = entry.TableAccessMethod, DataDumped = hasData };
            if (hasData && _countRows)
            {
                toCount.Add(table);
            }

            manifest.Tables.Add(table);
        }

        await CountAsync(toCount, cancellationToken).ConfigureAwait(false);
        manifest.Roles = RoleReferences.FromToc(toc.Entries);
        return toc;
    }

    /// <summary>
    /// Counts, from the archive, the tables of <paramref name="toCount"/> left to it, and takes
    /// them off the list; the rest are counted on the source. An archive written with lz4 or zstd,
    /// or one whose data cannot be read here, leaves them all to the source (still in the snapshot).
    /// </summary>
    private void CountFromArchive(ArchiveToc toc, string archivePath, Storage.IFileStore files, List<ManifestTable> toCount, CancellationToken cancellationToken)
    {
        // The size on the source said "small"; the archive's own block sizes say how much is read
        // here (a columnar table's rows can be many times its size on disk): within the same limits.
        var tableData = toc.Entries.Where(e => e.Desc == "TABLE DATA" && e.DataOffset is not null).GroupBy(e => (e.Namespace ?? string.Empty, e.Tag)).ToDictionary(g => g.Key, g => g.First());
        var budget = ArchiveCountBudgetBytes;
        var fromArchive = new List<ManifestTable>();
        foreach (var table in toCount.Where(t => _countFromArchive.Contains(t)))
        {
            if (tableData.TryGetValue((table.Schema, table.Name), out var entry) && entry.DataSize is { } size && size <= Math.Min(ArchiveCountMaximumBytes, budget))
            {
                fromArchive.Add(table);
                budget -= size;
            }
        }

        if (fromArchive.Count == 0 || !ArchiveRowCounter.CanCount(toc))
        {
            return;
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        Dictionary<TocEntry, long> rows;
        try
        {
            rows = ArchiveRowCounter.Count(archivePath, toc, fromArchive.Select(t => tableData[(t.Schema, t.Name)]).ToList(), files, cancellationToken);
        }
        catch (Exception ex) when (ex is HydraException or System.IO.IOException or UnauthorizedAccessException)
        {
            _reporter.Warning(string.Format(CultureInfo.InvariantCulture, "The rows of {0} small table(s) could not be counted in the new archive, so they are counted on the source instead: {1}", fromArchive.Count, ex.Message));
            return;
        }

        foreach (var table in fromArchive)
        {
            table.RowCount = rows[tableData[(table.Schema, table.Name)]];
        }

        var counted = new HashSet<ManifestTable>(fromArchive);
        toCount.RemoveAll(counted.Contains);

        _reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "Rows of {0} small table(s) counted in the archive in {1:0.000} s.", fromArchive.Count, clock.Elapsed.TotalSeconds));
    }

    /// <summary>The manifest's entry for a table: the catalog's facts about it, and the dump's.</summary>
    private ManifestTable Describe(CatalogTable table, long sizeBytes, bool dataDumped)
    {
        if (table.Columnar is { IsUnknown: true })
        {
            _reporter.Warning(string.Format(CultureInfo.InvariantCulture, "Columnar table {0} has no row in columnar.options that this role can see: its options are recorded as unknown, and a restore leaves the target's defaults.", table.DisplayName));
        }

        return new ManifestTable
        {
            Oid = table.Oid,
            Schema = table.Schema,
            Name = table.Name,
            Kind = table.Kind,
            AccessMethod = table.AccessMethod,
            Owner = table.Owner,
            Columns = table.Columns,
            PrimaryKey = table.PrimaryKey,
            IntegerKey = table.IntegerKey,
            EstimatedRows = table.EstimatedRows,
            Columnar = table.Columnar,
            DataDumped = dataDumped,
            SourceSizeBytes = sizeBytes,
        };
    }

    /// <summary>A plain-format dump has no TOC to read: its roles are the owners of its tables and their schemas.</summary>
    public async Task ReadPlainRolesAsync(DumpManifest manifest, CancellationToken cancellationToken) =>
        manifest.Roles = await _catalog.ReadOwnersAsync(_tables.Select(t => t.Oid), cancellationToken).ConfigureAwait(false);
}
