using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Catalog;
using HydraMigration.Archive;
using HydraMigration.Connections;
using HydraMigration.Database;
using HydraMigration.Dump;
using HydraMigration.Infrastructure;
using HydraMigration.Restore;
using HydraMigration.Tools;
using HydraMigration.Validation;
using Npgsql;

namespace HydraMigration.Direct;

/// <summary>
/// A migration with no archive in between. <see cref="PrepareAsync"/> exports a snapshot on the
/// source, dumps the schema in it, records the manifest in it and runs Restore-HydraDump's
/// preflight — nothing is written. <see cref="ExecuteAsync"/> then creates the database (when
/// asked), restores pre-data, sets the columnar options while the tables are empty, streams the
/// rows with parallel COPYs in the snapshot, restores post-data with several jobs, sets the
/// sequences and refreshes the materialized views, and re-applies the database's settings and
/// state last. Any failure or stop drops what it created, as a restore does.
/// </summary>
internal sealed class DirectCopyService
{
    private readonly IOperationReporter _reporter;

    public DirectCopyService(IOperationReporter reporter) => _reporter = reporter;

    /// <param name="request">What to copy.</param>
    /// <param name="newDatabaseEncoding">Set when -CreateDatabase has yet to create the target: it is then read through its maintenance database and taken as new.</param>
    /// <param name="cancellationToken">Ctrl+C.</param>
    public async Task<DirectCopyPlan> PrepareAsync(DirectCopyRequest request, string? newDatabaseEncoding, CancellationToken cancellationToken)
    {
        Validate(request);
        var clock = Stopwatch.StartNew();
        var snapshot = await SnapshotSession.OpenAsync(request.Source, cancellationToken).ConfigureAwait(false);
        var folder = new PrivateTempDirectory(_reporter);
        try
        {
            _reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "Snapshot {0} exported on {1} (PostgreSQL {2}).", snapshot.SnapshotId, request.Source.ServerDisplay, snapshot.Server.ServerVersion));
            var schemaArchive = Path.Combine(folder.Path, "schema.dump");
            var pgDumpVersion = await new SchemaTransfer(_reporter).DumpAsync(request, schemaArchive, snapshot.SnapshotId, snapshot.Server.ServerVersionNum, cancellationToken).ConfigureAwait(false);
            var toc = ArchiveReader.Read(schemaArchive);
            _reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "Schema dumped in the snapshot ({0} entries) after {1:0.000} s.", toc.Entries.Count, clock.Elapsed.TotalSeconds));

            var (manifest, copied) = await RecordManifestAsync(request, snapshot, toc, schemaArchive, pgDumpVersion, cancellationToken).ConfigureAwait(false);
            var restorePlan = await RestoreService.PrepareAsync(request.SchemaRestoreRequest(schemaArchive, manifest), toc, manifest, newDatabaseEncoding, cancellationToken).ConfigureAwait(false);

            var tables = await CopyTableReader.ReadAsync(snapshot.Connection, copied, cancellationToken).ConfigureAwait(false);
            foreach (var table in tables.Where(t => !t.Binary))
            {
                _reporter.Warning(string.Format(CultureInfo.InvariantCulture, "Table {0} is copied as text, not binary: {1}.", table.DisplayName, table.TextReason));
            }

            var queue = CopyTableReader.Queue(tables, request.Jobs, request.SplitTablesLargerThan, snapshot.Server.ServerVersionNum, Environment.ProcessorCount);
            var views = await PopulatedMaterializedViewsAsync(snapshot.Connection, toc, cancellationToken).ConfigureAwait(false);
            var plan = new DirectCopyPlan(request, snapshot, folder, restorePlan, manifest, queue, views)
            {
                SchemasToCreate = SchemasTheTablesNeed(toc, restorePlan),
            };
            _reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "Copy plan after {0:0.000} s: {1}", clock.Elapsed.TotalSeconds, plan.Describe()));
            return plan;
        }
        catch (NpgsqlException ex)
        {
            snapshot.Dispose();
            folder.Dispose();
            throw ServerConnector.QueryFailed(ex, request.Source);
        }
        catch
        {
            snapshot.Dispose();
            folder.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Creates the database when asked (<paramref name="databaseToCreate"/>; <paramref
    /// name="leftover"/> is one a dead run left unfinished, dropped first), then copies. A copy
    /// that fails, throws or is stopped drops what it created unless <paramref name="keepFailed"/>.
    /// </summary>
    public async Task<HydraRestoreResult> ExecuteAsync(DirectCopyPlan plan, DatabaseRequest? databaseToCreate, ExistingDatabase? leftover, bool keepFailed, CancellationToken cancellationToken)
    {
        var target = plan.Request.Target;
        var undo = new RestoreUndo(_reporter, target, keepFailed);
        return await undo.GuardAsync(
            async () =>
            {
                if (databaseToCreate is not null)
                {
                    if (leftover is not null)
                    {
                        _reporter.Warning(string.Format(CultureInfo.InvariantCulture, "The database '{0}' is what an earlier restore or copy left unfinished ({1}): it is dropped and copied anew.", databaseToCreate.Name, leftover.Comment));
                    }

                    await new DatabaseService(_reporter).CreateAsync(databaseToCreate, leftover, cancellationToken).ConfigureAwait(false);
                    undo.CreatedDatabase(databaseToCreate);
                    await UnfinishedRestoreMark.SetAsync(databaseToCreate, "a direct copy of " + plan.Request.Source.ServerDisplay, cancellationToken).ConfigureAwait(false);
                }

                // The workers have closed their sessions by the time a failure or a stop gets here.
                return await CopyAsync(plan, undo, cancellationToken).ConfigureAwait(false);
            },
            (result, left) => string.Format(CultureInfo.InvariantCulture, "The copy into {0} failed with {1} error(s). {2}", target.ServerDisplay, result.Errors.Count, left)).ConfigureAwait(false);
    }

    private async Task<HydraRestoreResult> CopyAsync(DirectCopyPlan plan, RestoreUndo undo, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var phase = Stopwatch.StartNew();
        var restore = plan.Restore;
        var target = plan.Request.Target;
        var output = new PgRestoreOutput(restore.Toc.Entries);
        var schema = new SchemaTransfer(_reporter);
        int columnar = 0, settings = 0;

        if (restore.RolesToCreate.Count > 0)
        {
            using var connection = await ServerConnector.OpenAsync(target, cancellationToken).ConfigureAwait(false);
            await RoleRecreation.CreateAsync(connection, restore, _reporter, undo.CreatedRole, cancellationToken).ConfigureAwait(false);
        }

        if (plan.SchemasToCreate.Count > 0)
        {
            // pg_dump -t carries tables, not their schemas: without these, pre-data would fail on every table.
            using var connection = await ServerConnector.OpenAsync(target, cancellationToken).ConfigureAwait(false);
            foreach (var name in plan.SchemasToCreate)
            {
                using var command = new NpgsqlCommand("CREATE SCHEMA IF NOT EXISTS " + Sql.Identifier(name), connection);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                _reporter.Verbose("CREATE SCHEMA IF NOT EXISTS " + Sql.Identifier(name));
            }
        }

        _reporter.Progress(new OperationProgress("Creating the schema (pg_restore --section=pre-data)", 0));
        await schema.RestoreAsync(restore, "pre-data", 1, output, cancellationToken).ConfigureAwait(false);
        if (output.ErrorCount > 0)
        {
            // Rows into a schema that did not come through would only fail table by table.
            return Result(plan, clock, output, columnar, settings);
        }

        if (restore.ColumnarOptionsToApply.Count > 0)
        {
            using var connection = await ServerConnector.OpenAsync(target, cancellationToken).ConfigureAwait(false);
            columnar = await ManifestReapplier.ApplyColumnarOptionsAsync(connection, restore, output, _reporter, cancellationToken).ConfigureAwait(false);
        }

        Phase(ref phase, "schema (pre-data and columnar options)");
        var copier = new TableCopier(plan.Request, plan.Snapshot.SnapshotId, _reporter);
        await copier.RunAsync(plan.Queue, cancellationToken).ConfigureAwait(false);
        RecordRowCounts(plan, copier.Rows);

        // Every worker has its rows: the source's snapshot may go, so its vacuum is not held back by the index builds.
        plan.Snapshot.Dispose();
        Phase(ref phase, string.Format(CultureInfo.InvariantCulture, "data ({0} items, {1} workers, {2} rows)", plan.Queue.Count, plan.Workers, copier.Rows.Values.Sum()));

        _reporter.Progress(new OperationProgress("Building indexes and constraints (pg_restore --section=post-data)", 99));
        await schema.RestoreAsync(restore, "post-data", plan.Request.IndexJobs, output, cancellationToken).ConfigureAwait(false);
        Phase(ref phase, "post-data (indexes, constraints, triggers)");

        using (var connection = await ServerConnector.OpenAsync(target, cancellationToken).ConfigureAwait(false))
        {
            await SetSequencesAsync(connection, plan, output, cancellationToken).ConfigureAwait(false);
            await RefreshMaterializedViewsAsync(connection, plan, output, cancellationToken).ConfigureAwait(false);
        }

        Phase(ref phase, "sequences and materialized views");
        if (undo.Database is { } created && output.ErrorCount == 0)
        {
            await UnfinishedRestoreMark.ClearAsync(created, cancellationToken).ConfigureAwait(false);
        }

        if (restore.SettingsToApply.Count > 0)
        {
            using var connection = await ServerConnector.OpenAsync(target, cancellationToken).ConfigureAwait(false);
            settings = await ManifestReapplier.ApplyDatabaseSettingsAsync(connection, restore, output, _reporter, cancellationToken).ConfigureAwait(false);
        }

        if (restore.DatabaseStateToApply is not null)
        {
            using var connection = await ServerConnector.OpenAsync(target, cancellationToken).ConfigureAwait(false);
            await DatabaseStateReapplier.ApplyAsync(connection, restore, output, _reporter, cancellationToken).ConfigureAwait(false);
        }

        plan.Manifest.DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3);
        if (plan.Request.ManifestPath is { } manifestPath && output.ErrorCount == 0)
        {
            WriteManifest(manifestPath, plan.Manifest);
        }

        Phase(ref phase, "database settings and state");
        return Result(plan, clock, output, columnar, settings);
    }

    private void Phase(ref Stopwatch phase, string name)
    {
        _reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "Phase {0}: {1:0.000} s.", name, phase.Elapsed.TotalSeconds));
        phase = Stopwatch.StartNew();
    }

    /// <summary>
    /// The manifest's facts, all read in the snapshot: the tables pg_dump's schema holds (its
    /// table of contents is the authority, as for a dump), their columnar options, the
    /// extensions, settings, roles, the database's state and the catalog. Row counts come later,
    /// from the copy's own streams. Returns the manifest and the tables whose rows are copied.
    /// </summary>
    private async Task<(DumpManifest Manifest, List<SourceTable> Copied)> RecordManifestAsync(DirectCopyRequest request, SnapshotSession snapshot, ArchiveToc toc, string schemaArchive, string pgDumpVersion, CancellationToken cancellationToken)
    {
        var scope = new DumpScope(request.ScopeRequest());
        var inArchive = new HashSet<(string, string)>(toc.Entries.Where(e => e.Desc == "TABLE").Select(e => (e.Namespace ?? string.Empty, e.Tag)));

        // New-HydraDump's collector, with the rows counted by the copy instead of a second scan.
        var collector = new ManifestCollector(snapshot.Transaction, scope, request.Source, countRows: false, _reporter, t => inArchive.Contains((t.Schema, t.Name)), knownServer: snapshot.Server);
        collector.DumpEnded();
        var manifest = await collector.CollectAsync(cancellationToken).ConfigureAwait(false);
        var tables = collector.SelectedTables;
        manifest.Roles = RoleReferences.FromToc(toc.Entries);
        await ManifestCatalog.AttachAsync(manifest, collector.Objects, collector.ForeignTables, scope.IncludesSchema, request.Tables.Count > 0, snapshot.Connection, cancellationToken).ConfigureAwait(false);
        // The extensions the schema creates (a -Table dump creates none), as the target will have
        // them; plpgsql comes with every database (pg_dump leaves it out).
        var extensions = new HashSet<string>(toc.Entries.Where(e => e.Desc == "EXTENSION").Select(e => e.Tag), StringComparer.Ordinal) { "plpgsql" };
        manifest.Extensions.RemoveAll(x => !extensions.Contains(x.Name));
        manifest.Catalog!.Extensions.RemoveAll(x => !extensions.Contains(x.Name));
        manifest.Snapshot = snapshot.SnapshotId;
        manifest.CreatedUtc = DateTime.UtcNow;
        manifest.CreatedBy = "HydraMigration " + typeof(DirectCopyService).Assembly.GetName().Version?.ToString(3) + " Copy-HydraDatabase";
        manifest.Options = new ManifestDumpOptions
        {
            Schemas = request.Schemas.ToList(),
            ExcludeSchemas = request.ExcludeSchemas.ToList(),
            Tables = request.Tables.ToList(),
            ExcludeTables = request.ExcludeTables.ToList(),
            ExcludeTableData = request.ExcludeTableData.ToList(),
            NoOwner = request.NoOwner,
            NoAcl = request.NoAcl,
            RowCounts = true,
        };

        // The "archive" of a direct copy is its schema archive: what pg_restore really restored.
        var archive = ArchiveHasher.Hash(schemaArchive, HydraDumpFormat.Custom, cancellationToken);
        archive.Format = HydraDumpFormat.Custom;
        archive.FileName = string.Empty;
        archive.PgDumpVersion = pgDumpVersion;
        manifest.Archive = archive;

        var copied = tables.Where(t => manifest.Tables.Any(m => m.DataDumped && m.Schema == t.Schema && m.Name == t.Name)).ToList();
        return (manifest, copied);
    }

    private static void RecordRowCounts(DirectCopyPlan plan, IReadOnlyDictionary<string, long> rows)
    {
        foreach (var table in plan.Manifest.Tables.Where(t => t.DataDumped))
        {
            table.RowCount = rows.TryGetValue(table.Schema + "." + table.Name, out var count) ? count : 0;
        }
    }

    /// <summary>
    /// Each sequence to where the manifest records it (read in the snapshot's session, as
    /// pg_dump reads them), so that the next nextval returns the manifest's next value.
    /// </summary>
    private static async Task SetSequencesAsync(NpgsqlConnection connection, DirectCopyPlan plan, PgRestoreOutput output, CancellationToken cancellationToken)
    {
        var created = new HashSet<(string, string)>(plan.Restore.Toc.Entries.Where(e => e.Desc == "SEQUENCE").Select(e => (e.Namespace ?? string.Empty, e.Tag)));
        foreach (var sequence in plan.Manifest.Catalog?.Sequences ?? new List<CatalogSequence>())
        {
            // Identity sequences have no entry of their own: they come with their table.
            if (sequence.NextValue is not { } next || (!created.Contains((sequence.Schema, sequence.Name)) && sequence.Table is null))
            {
                continue;
            }

            // Called to just before the next value, as the source was; one still at its start stays uncalled, like the source's.
            const string sql = @"SELECT CASE WHEN @next::numeric = s.seqstart THEN NULL ELSE pg_catalog.setval(s.seqrelid, (@next::numeric - s.seqincrement)::bigint, true) END
FROM pg_catalog.pg_sequence s WHERE s.seqrelid = @sequence::regclass";
            using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue("sequence", Sql.Qualified(sequence.Schema, sequence.Name));
            command.Parameters.AddWithValue("next", next);
            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex)
            {
                output.Add(new HydraRestoreIssue(null, "SEQUENCE SET", sequence.Schema + "." + sequence.Name, ex.SqlState, "The sequence could not be set to the snapshot's value: " + ex.MessageText, command.CommandText, false, HydraErrors.SequenceSetFailed.Id));
            }
        }
    }

    private async Task RefreshMaterializedViewsAsync(NpgsqlConnection connection, DirectCopyPlan plan, PgRestoreOutput output, CancellationToken cancellationToken)
    {
        foreach (var view in plan.MaterializedViews)
        {
            var sql = "REFRESH MATERIALIZED VIEW " + view;
            using var command = new NpgsqlCommand(sql, connection);
            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                _reporter.Verbose(sql);
            }
            catch (PostgresException ex)
            {
                output.Add(new HydraRestoreIssue(null, "MATERIALIZED VIEW DATA", view, ex.SqlState, "The materialized view could not be refreshed: " + ex.MessageText, sql, false, HydraErrors.MaterializedViewRefreshFailed.Id));
            }
        }
    }

    /// <summary>The schemas of the archive's tables that neither the archive (a -Table dump has no SCHEMA entries) nor the target has.</summary>
    private static List<string> SchemasTheTablesNeed(ArchiveToc toc, RestorePlan restore)
    {
        var created = new HashSet<string>(toc.Entries.Where(e => e.Desc == "SCHEMA").Select(e => e.Tag), StringComparer.Ordinal);
        return toc.Entries.Where(e => e.Desc == "TABLE" && e.Namespace is not null).Select(e => e.Namespace!)
            .Where(s => !created.Contains(s) && !restore.Target.Schemas.Contains(s)).Distinct(StringComparer.Ordinal).OrderBy(s => s, StringComparer.Ordinal).ToList();
    }

    /// <summary>The materialized views the schema creates (empty) whose source is populated, in the archive's (dependency) order.</summary>
    private static async Task<List<string>> PopulatedMaterializedViewsAsync(NpgsqlConnection connection, ArchiveToc toc, CancellationToken cancellationToken)
    {
        var populated = new HashSet<(string, string)>();
        using (var command = new NpgsqlCommand("SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'm' AND c.relispopulated", connection))
        using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                populated.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        return toc.Entries.Where(e => e.Desc == "MATERIALIZED VIEW" && populated.Contains((e.Namespace ?? string.Empty, e.Tag)))
            .Select(e => Sql.Qualified(e.Namespace ?? string.Empty, e.Tag)).ToList();
    }

    /// <summary>Written under a temporary name and renamed: a manifest that is there is complete.</summary>
    private static void WriteManifest(string path, DumpManifest manifest)
    {
        var temporary = path + ".partial";
        try
        {
            ManifestFile.Write(temporary, manifest);
            if (File.Exists(path))
            {
                File.Delete(path);
            }

            File.Move(temporary, path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(temporary);
            }
            catch (IOException)
            {
            }

            throw new HydraException(HydraErrors.ManifestWriteFailed, string.Format(CultureInfo.InvariantCulture, "The copy finished, but its manifest could not be written to '{0}': {1} Validate with the result through the pipeline instead (Copy-HydraDatabase ... | Test-HydraMigration).", path, ex.Message), path, ex);
        }
    }

    private static void Validate(DirectCopyRequest request)
    {
        if (request.Source.HostName == request.Target.HostName && request.Source.Port == request.Target.Port && request.Source.Database == request.Target.Database && request.Source.SshTunnel == request.Target.SshTunnel)
        {
            throw new HydraException(HydraErrors.SourceIsDestination, string.Format(CultureInfo.InvariantCulture, "-Source and -Destination are the same database ({0}): copy into another database (a new name with -CreateDatabase).", request.Target.ServerDisplay), request.Target);
        }
    }

    private static HydraRestoreResult Result(DirectCopyPlan plan, Stopwatch clock, PgRestoreOutput output, int columnar, int settings)
    {
        var request = plan.Request;
        var dump = new HydraDump(request.Source.ServerDisplay, request.ManifestPath, plan.Manifest, HydraDumpFormat.Custom, 0, clock.Elapsed);
        var result = new HydraRestoreResult(
            request.Target,
            dump,
            clock.Elapsed,
            plan.Restore.Entries.Count,
            output.Issues.Where(i => !i.IsWarning).ToList(),
            output.Issues.Where(i => i.IsWarning).ToList(),
            columnar,
            settings,
            plan.Restore.RolesToCreate.ToList(),
            request.NoOwner);
        result.NoAcl = request.NoAcl;
        return result;
    }
}
