using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Catalog;
using HydraMigration.Connections;
using HydraMigration.Infrastructure;
using HydraMigration.Ssh;
using HydraMigration.Tools;
using Npgsql;

namespace HydraMigration.Dump;

/// <summary>
/// Makes a dump and its manifest. One connection opens a REPEATABLE READ transaction and
/// exports its snapshot; pg_dump starts at once with --snapshot, and while it runs the same
/// transaction reads the catalog facts and counts the tables' rows (small tables of a local
/// custom-format archive are counted from the archive afterwards, their rows of that same
/// snapshot) — so the counts are those of the archive, not of a moving source. pg_dump writes
/// to a temporary name; only a finished, hashed archive is renamed into place.
/// </summary>
internal sealed class DumpService
{
    private readonly IOperationReporter _reporter;

    /// <summary>Set once pg_dump exited successfully: its archive then sits under the temporary name.</summary>
    private bool _pgDumpFinished;

    public DumpService(IOperationReporter reporter) => _reporter = reporter;

    public async Task<HydraDump> RunAsync(DumpRequest request, CancellationToken cancellationToken)
    {
        Validate(request);
        var startedUtc = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();

        using var site = request.SshSession is null ? new LocalDumpSite(_reporter) : (IDumpSite)await SshDumpSite.OpenAsync(request.SshSession, _reporter, cancellationToken).ConfigureAwait(false);

        // Refuse an existing archive before touching the database.
        using var plan = DumpOutputPlan.Create(request.Path, request.Format, request.Source.Database, request.Force, DateTime.Now, site.Files);
        using var connection = await ServerConnector.OpenAsync(site.Reach(request.Source), cancellationToken).ConfigureAwait(false);
        try
        {
            // pg_dump starts as soon as the snapshot is exported: the table list, the server's
            // facts and the catalog are read in the snapshot while pg_dump reads its own catalog,
            // so on a database of many small tables none of that waits in front of it. The
            // server's major version (for choosing pg_dump) came with the login.
            var transaction = new SnapshotTransaction(connection);
            var finding = site.FindPgDumpAsync(connection.PostgreSqlVersion.Major, request.PgBinPath, cancellationToken);
            string snapshot;
            try
            {
                snapshot = await transaction.ExportSnapshotAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await Quietly(finding).ConfigureAwait(false); // the search's own failure is not the one to report
                throw;
            }

            var pgDump = await finding.ConfigureAwait(false);
            _reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "Using {0} for a PostgreSQL {1} server; snapshot {2} exported after {3:0.000} s.", pgDump, connection.PostgreSqlVersion, snapshot, clock.Elapsed.TotalSeconds));

            var scope = new DumpScope(request);
            // Small tables are counted from a custom-format archive written on this computer, in gzip or none.
            var archiveCountable = request.Format == HydraDumpFormat.Custom && site.Session is null
                && !(request.Compression is { } method && (method.StartsWith("lz4", StringComparison.OrdinalIgnoreCase) || method.StartsWith("zstd", StringComparison.OrdinalIgnoreCase)));
            var collector = new ManifestCollector(transaction, scope, request.Source, !request.SkipRowCount, _reporter, archiveCountable: archiveCountable);
            var manifest = await DumpAndDescribeAsync(site, request, pgDump, plan, snapshot, collector, cancellationToken).ConfigureAwait(false);

            // pg_dump has exited, so the archive is final: its SHA-256 is computed while the
            // manifest reads the archive's table of contents and finishes its facts.
            _reporter.Progress(new OperationProgress("Computing SHA-256 of the archive", 99));
            using var hashCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var hashing = site.HashAsync(plan.TempPath, request.Format, hashCancel.Token);
            ManifestArchive archive;
            try
            {
                var toc = await ReadArchiveFactsAsync(collector, manifest, site, request, plan, cancellationToken).ConfigureAwait(false);
                await ManifestCatalog.AttachAsync(manifest, collector.Objects, collector.ForeignTables, scope.IncludesSchema, request.Tables.Count > 0, connection, cancellationToken).ConfigureAwait(false);
                if (toc is not null && manifest.Catalog is not null)
                {
                    Archive.ArchiveSequencePositions.Apply(toc, manifest.Catalog);
                }

                _reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "pg_dump and the manifest's facts done after {0:0.000} s.", clock.Elapsed.TotalSeconds));
                manifest.Snapshot = snapshot;
                try
                {
                    await transaction.EndSnapshotAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (NpgsqlException ex)
                {
                    // The archive and the facts are complete; ending a read-only transaction changes nothing.
                    _reporter.Warning("Ending the snapshot transaction failed (" + ex.Message + "); the dump is complete.");
                }

                archive = await hashing.ConfigureAwait(false);
            }
            catch
            {
                // The hash must have let go of the archive before it is removed (Windows keeps an open file).
                hashCancel.Cancel();
                await Quietly(hashing).ConfigureAwait(false);
                throw;
            }

            archive.Format = request.Format;
            archive.FileName = site.Files.FileName(plan.FinalPath);
            archive.PgDumpVersion = pgDump.Version;
            manifest.Archive = archive;
            manifest.CreatedUtc = startedUtc;
            manifest.DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3);
            manifest.CreatedBy = "HydraMigration " + typeof(DumpService).Assembly.GetName().Version?.ToString(3);
            manifest.Options = OptionsOf(request);

            ManifestFile.Write(plan.TempManifestPath, manifest, site.Files);
            cancellationToken.ThrowIfCancellationRequested();
            plan.Commit(request.Force);
            site.Succeeded();
            _reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "Wrote {0} ({1}, SHA-256 {2}) and its manifest in {3:0.0} s.", plan.FinalPath, Units.Bytes(archive.SizeBytes), archive.Sha256, clock.Elapsed.TotalSeconds));
            return new HydraDump(plan.FinalPath, plan.ManifestPath, manifest, request.Format, archive.SizeBytes, clock.Elapsed, site.Session);
        }
        catch (Exception ex) when (request.SshSession is not null && IsConnectionLoss(ex, request.SshSession))
        {
            plan.Discard();
            throw SshConnectionLost(request.SshSession, ex, plan, site as SshDumpSite);
        }
        catch (Exception ex) when (ex is NpgsqlException or System.IO.IOException or UnauthorizedAccessException or Renci.SshNet.Common.SshException)
        {
            plan.Discard();
            throw ex is NpgsqlException npgsql
                ? ServerConnector.QueryFailed(npgsql, request.Source)
                : new HydraException(HydraErrors.DumpWriteFailed, string.Format(CultureInfo.InvariantCulture, "Writing the dump at '{0}' on {1} failed: {2} The new dump was not kept; an earlier archive at that path is unchanged.", plan.FinalPath, site.Files.Location, ex.Message), plan.FinalPath, ex);
        }
        catch
        {
            plan.Discard();
            throw;
        }
    }

    /// <summary>
    /// The link dropped (or stopped answering): the failure is that, whatever layer noticed it
    /// first — SSH.NET, the manifest's queries through the session's port forward, or pg_dump's
    /// channel ending without a status.
    /// </summary>
    private static bool IsConnectionLoss(Exception ex, HydraSshSession session) =>
        ex is Renci.SshNet.Common.SshConnectionException or Renci.SshNet.Common.SshOperationTimeoutException
        || (ex is not OperationCanceledException && !session.IsConnected);

    /// <summary>
    /// What a dropped link left on the SSH host, and where. While pg_dump ran, its guard there
    /// cleans up by itself when the channel closes; once pg_dump had finished, its archive waits
    /// under the temporary name for a hash and a rename that can no longer come.
    /// </summary>
    private HydraException SshConnectionLost(HydraSshSession session, Exception ex, DumpOutputPlan plan, SshDumpSite? site)
    {
        var folder = site?.RemoteFolder is { } f ? " '" + f + "'" : string.Empty;
        var left = _pgDumpFinished
            ? string.Format(CultureInfo.InvariantCulture,
                "pg_dump had finished, so its archive was left on the SSH host under the temporary name '{0}' (and possibly '{1}'): it was never verified and is not a complete dump. Remove them (rm -rf) once the host is reachable. The private folder{2} with the password file was removed there when pg_dump ended.",
                plan.TempPath, plan.TempManifestPath, folder)
            : string.Format(CultureInfo.InvariantCulture,
                "Nothing of it is left on the SSH host: its guard stops pg_dump there and removes the unfinished archive '{0}' and the private folder{1} with the password file as soon as the channel closes.",
                plan.TempPath, folder);
        return new HydraException(HydraErrors.SshConnectionLost, string.Format(CultureInfo.InvariantCulture,
            "The SSH connection to {0} was lost during the dump ({1}). {2} Open a new session and dump again.", session, ex.Message.TrimEnd('.'), left), session, ex);
    }

    private static void Validate(DumpRequest request)
    {
        if (request.SchemaOnly && request.DataOnly)
        {
            throw new HydraException(HydraErrors.SchemaOnlyWithDataOnly, "-SchemaOnly and -DataOnly exclude each other: give at most one.", request.Path);
        }

        if (request.Jobs > 1 && request.Format != HydraDumpFormat.Directory)
        {
            throw new HydraException(HydraErrors.JobsNeedDirectoryFormat, string.Format(CultureInfo.InvariantCulture, "pg_dump writes in parallel only to a folder: use -Format Directory with -Jobs {0}, or drop -Jobs.", request.Jobs), request.Path);
        }
    }

    /// <summary>Runs pg_dump and, concurrently in the snapshot transaction, gathers the manifest's facts.</summary>
    private async Task<DumpManifest> DumpAndDescribeAsync(IDumpSite site, DumpRequest request, PgTool pgDump, DumpOutputPlan plan, string snapshot, ManifestCollector collector, CancellationToken cancellationToken)
    {
        using var dumpCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var factsCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // The tables' sizes weigh the progress once the collector has read them, a moment after pg_dump starts.
        var progress = new PgDumpProgress(request.Jobs > 1);
        collector.TablesRead += progress.Weigh;
        var arguments = PgDumpArguments.Build(request, plan.TempPath, snapshot);
        _reporter.Verbose("pg_dump " + CommandLine.Join(arguments));
        _reporter.Progress(new OperationProgress("Starting pg_dump", 0));
        var clock = Stopwatch.StartNew();
        var dumpTask = site.RunPgDumpAsync(
            pgDump,
            arguments,
            plan.TempPath,
            request.Source,
            line =>
            {
                _reporter.Verbose(line);
                var table = PgDumpVerbose.StartedTable(line);
                if (table is not null)
                {
                    collector.TableDumpStarted(table);
                }

                if (progress.OnLine(line, table) is { } report)
                {
                    _reporter.Progress(report);
                }
            },
            dumpCancel.Token);
        _ = dumpTask.ContinueWith(_ => collector.DumpEnded(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        var factsTask = collector.CollectAsync(factsCancel.Token);

        // Whichever fails first stops the other, so neither outlives a failure.
        var first = await Task.WhenAny(dumpTask, factsTask).ConfigureAwait(false);
        if (first == dumpTask && (dumpTask.IsFaulted || dumpTask.IsCanceled || dumpTask.Result.ExitCode != 0))
        {
            factsCancel.Cancel();
            await Quietly(factsTask).ConfigureAwait(false);
        }
        else if (first == factsTask && (factsTask.IsFaulted || factsTask.IsCanceled))
        {
            dumpCancel.Cancel();
            await Quietly(dumpTask).ConfigureAwait(false);
            await factsTask.ConfigureAwait(false); // rethrows the real cause
        }

        var result = await dumpTask.ConfigureAwait(false);
        var dumpSeconds = clock.Elapsed.TotalSeconds;
        if (result.ExitCode != 0)
        {
            throw PgDumpFailed(result, request.Source);
        }

        _pgDumpFinished = true;

        var manifest = await factsTask.ConfigureAwait(false);
        _reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "pg_dump ran {0:0.000} s; the manifest's facts and the source's row counts were ready {1:0.000} s after it started.", dumpSeconds, clock.Elapsed.TotalSeconds));
        return manifest;
    }

    /// <summary>
    /// What only the finished archive tells: its table of contents is the final word on the
    /// tables and roles (null for a plain script, which has none; its roles come from the catalog).
    /// </summary>
    private static async Task<Archive.ArchiveToc?> ReadArchiveFactsAsync(ManifestCollector collector, DumpManifest manifest, IDumpSite site, DumpRequest request, DumpOutputPlan plan, CancellationToken cancellationToken)
    {
        if (request.Format == HydraDumpFormat.Plain)
        {
            await collector.ReadPlainRolesAsync(manifest, cancellationToken).ConfigureAwait(false);
            return null;
        }

        try
        {
            return await collector.ReconcileWithArchiveAsync(manifest, plan.TempPath, site.Files, cancellationToken).ConfigureAwait(false);
        }
        catch (HydraException ex) when (ex.Is(HydraErrors.ArchiveNotFound))
        {
            throw plan.ArchiveMissing(ex); // the user knows the final name, not the temporary one
        }
    }

    private static ManifestDumpOptions OptionsOf(DumpRequest request) => new()
    {
        Schemas = request.Schemas.ToList(),
        ExcludeSchemas = request.ExcludeSchemas.ToList(),
        Tables = request.Tables.ToList(),
        ExcludeTables = request.ExcludeTables.ToList(),
        ExcludeTableData = request.ExcludeTableData.ToList(),
        SchemaOnly = request.SchemaOnly,
        DataOnly = request.DataOnly,
        NoOwner = request.NoOwner,
        NoAcl = request.NoAcl,
        Compression = request.Compression,
        RowCounts = !request.SkipRowCount,
    };

    private static HydraException PgDumpFailed(ToolResult result, HydraConnection source)
    {
        if (ServerConnector.TunnelLost(source, null) is { } lost)
        {
            return lost; // pg_dump only saw its connections close
        }

        // The verbose chatter is in ToolOutput; the message keeps the lines that explain the failure.
        var errorLines = result.StandardError.Split('\n')
            .Where(l => l.IndexOf("error:", StringComparison.Ordinal) >= 0 || l.IndexOf("FATAL", StringComparison.Ordinal) >= 0 || l.IndexOf("DETAIL:", StringComparison.Ordinal) >= 0 || l.IndexOf("HINT:", StringComparison.Ordinal) >= 0)
            .ToList();
        var detail = errorLines.Count > 0 ? string.Join(" ", errorLines) : result.StandardError.Split('\n').LastOrDefault(l => l.Length > 0) ?? "(no output)";
        var diskFull = result.StandardError.IndexOf("No space left on device", StringComparison.OrdinalIgnoreCase) >= 0;
        return new HydraException(
            diskFull ? HydraErrors.DumpDiskFull : HydraErrors.PgDumpFailed,
            diskFull
                ? string.Format(CultureInfo.InvariantCulture, "pg_dump of {0} ran out of disk space; nothing was kept. Free space or choose another -Path. pg_dump said: {1}", source.ServerDisplay, detail)
                : string.Format(CultureInfo.InvariantCulture, "pg_dump of {0} failed (exit code {1}); nothing was kept. pg_dump said: {2}", source.ServerDisplay, result.ExitCode, detail),
            source,
            toolOutput: result.StandardError);
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not null)
        {
            // The other task's failure is the one reported.
        }
    }
}
