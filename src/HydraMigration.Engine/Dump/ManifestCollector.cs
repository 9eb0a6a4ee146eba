using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using HydraMigration.Archive;
using HydraMigration.Infrastructure;

namespace HydraMigration.Dump;

/// <summary>
/// Gathers a manifest's facts on the snapshot connection while pg_dump runs. Each table's rows
/// are counted once pg_dump starts copying that table — after pg_dump's catalog phase, whose
/// many small queries a busy server would slow. pg_dump is usually CPU-bound (it compresses), so
/// a large table is counted in paced cursor steps that use only the CPU pg_dump leaves idle, and
/// at full speed once pg_dump has exited. Tables pg_dump never announces are counted when it
/// exits, still in the same snapshot.
/// </summary>
internal sealed class ManifestCollector
{
    private readonly SourceCatalog _catalog;
    private readonly DumpScope _scope;
    private readonly List<SourceTable> _tables;
    private readonly List<SourceTable> _allTables;
    private Dictionary<uint, ColumnarOptions> _columnarOptions = new();
    private readonly bool _countRows;
    private readonly IOperationReporter _reporter;
    // Large tables are counted in paced cursor steps while pg_dump runs; small ones at once.
    private const long PacedCountMinimumBytes = 32L * 1024 * 1024;

    private readonly Channel<string> _started = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    public ManifestCollector(SourceCatalog catalog, DumpScope scope, List<SourceTable> tables, List<SourceTable> allTables, bool countRows, IOperationReporter reporter)
    {
        _allTables = allTables;
        _catalog = catalog;
        _scope = scope;
        _tables = tables;
        _countRows = countRows;
        _reporter = reporter;
    }

    /// <summary>pg_dump started copying "schema.table" (called from pg_dump's stderr reader).</summary>
    public void TableDumpStarted(string displayName) => _started.Writer.TryWrite(displayName);

    /// <summary>pg_dump has exited: whatever was not counted yet is counted now.</summary>
    public void DumpEnded() => _started.Writer.TryComplete();

    public async Task<DumpManifest> CollectAsync(CancellationToken cancellationToken)
    {
        var manifest = new DumpManifest
        {
            Extensions = await _catalog.ReadExtensionsAsync(cancellationToken).ConfigureAwait(false),
            DatabaseSettings = await _catalog.ReadDatabaseSettingsAsync(cancellationToken).ConfigureAwait(false),
        };
        _columnarOptions = await _catalog.ReadColumnarOptionsAsync(cancellationToken).ConfigureAwait(false);
        var byDisplayName = new Dictionary<string, ManifestTable>(StringComparer.Ordinal);
        foreach (var table in _tables)
        {
            var entry = Describe(table, _scope.DumpsData(table));
            manifest.Tables.Add(entry);
            byDisplayName[table.DisplayName] = entry;
        }

        if (_countRows)
        {
            while (await _started.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (_started.Reader.TryRead(out var name))
                {
                    if (byDisplayName.TryGetValue(name, out var table) && table.DataDumped && table.RowCount is null)
                    {
                        table.RowCount = table.SourceSizeBytes >= PacedCountMinimumBytes
                            ? await _catalog.CountRowsInStepsAsync(table.Schema, table.Name, PauseWhilePgDumpRuns, cancellationToken).ConfigureAwait(false)
                            : await _catalog.CountRowsAsync(table.Schema, table.Name, cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            foreach (var table in manifest.Tables.Where(t => t.DataDumped && t.RowCount is null))
            {
                table.RowCount = await _catalog.CountRowsAsync(table.Schema, table.Name, cancellationToken).ConfigureAwait(false);
            }
        }

        return manifest;
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

        foreach (var table in manifest.Tables)
        {
            var hasData = withData.Contains((table.Schema, table.Name));
            if (!hasData)
            {
                table.RowCount = null;
            }
            else if (!table.DataDumped && _countRows)
            {
                table.RowCount = await _catalog.CountRowsAsync(table.Schema, table.Name, cancellationToken).ConfigureAwait(false);
            }

            table.DataDumped = hasData;
        }

        var known = new HashSet<(string, string)>(manifest.Tables.Select(t => (t.Schema, t.Name)));
        foreach (var entry in toc.Entries.Where(e => e.Desc == "TABLE" && !known.Contains((e.Namespace ?? string.Empty, e.Tag))))
        {
            // A table the filters' reading here missed (pg_dump's pattern matching is the server's
            // regular expressions): described from the same snapshot, options and all.
            var schema = entry.Namespace ?? string.Empty;
            var hasData = withData.Contains((schema, entry.Tag));
            var source = _allTables.FirstOrDefault(t => t.Schema == schema && t.Name == entry.Tag);
            var table = source is not null
                ? Describe(source, hasData)
                : new ManifestTable { Schema = schema, Name = entry.Tag, AccessMethod = entry.TableAccessMethod, DataDumped = hasData };
            if (hasData && _countRows)
            {
                table.RowCount = await _catalog.CountRowsAsync(schema, entry.Tag, cancellationToken).ConfigureAwait(false);
            }

            manifest.Tables.Add(table);
        }

        manifest.Roles = RoleReferences.FromToc(toc.Entries);
        return toc;
    }

    private ManifestTable Describe(SourceTable table, bool dataDumped)
    {
        var entry = new ManifestTable
        {
            Schema = table.Schema,
            Name = table.Name,
            Kind = table.Kind == 'p' ? "partitioned table" : "table",
            AccessMethod = table.AccessMethod,
            DataDumped = dataDumped,
            SourceSizeBytes = table.SizeBytes,
        };
        if (string.Equals(table.AccessMethod, "columnar", StringComparison.Ordinal))
        {
            if (!_columnarOptions.TryGetValue(table.Oid, out var options))
            {
                _reporter.Warning(string.Format(CultureInfo.InvariantCulture, "Columnar table {0} has no row in columnar.options that this role can see: its options are recorded as unknown, and a restore leaves the target's defaults.", table.DisplayName));
                options = new ColumnarOptions();
            }

            entry.Columnar = options;
        }

        return entry;
    }

    /// <summary>A plain-format dump has no TOC to read: its roles are the owners of its tables and their schemas.</summary>
    public async Task ReadPlainRolesAsync(DumpManifest manifest, CancellationToken cancellationToken) =>
        manifest.Roles = await _catalog.ReadOwnersAsync(_tables.Select(t => t.Oid), cancellationToken).ConfigureAwait(false);
}
