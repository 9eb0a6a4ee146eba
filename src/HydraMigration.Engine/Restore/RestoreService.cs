using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Archive;
using HydraMigration.Catalog;
using HydraMigration.Connections;
using HydraMigration.Database;
using HydraMigration.Dump;
using HydraMigration.Infrastructure;
using HydraMigration.Tools;
using Npgsql;

namespace HydraMigration.Restore;

/// <summary>
/// Restores an archive in two steps, for <see cref="RestoreOperation"/>. <see cref="PrepareAsync"/> reads the archive and its
/// manifest and checks them against the target (the preflight: nothing is written). <see
/// cref="RestoreAsync"/> then creates missing roles if asked, and runs pg_restore — in sections
/// when columnar options must be set: pre-data creates the tables, their options are set while
/// they are still empty, and only then data and post-data load, so the rows are written with
/// the source's compression. Database settings are re-applied last, so none of them (say a
/// statement_timeout) can disturb the restore itself.
/// </summary>
internal sealed class RestoreService
{
    private static readonly string[] PreDataSection = { "pre-data" };
    private static readonly string[] DataAndPostDataSections = { "data", "post-data" };
    private static readonly string[] DataSection = { "data" };
    private static readonly string[] PostDataSection = { "post-data" };

    private readonly IOperationReporter _reporter;

    public RestoreService(IOperationReporter reporter) => _reporter = reporter;

    /// <summary>
    /// The first step, before any server is touched: the options, the manifest (checked against
    /// its schema) and the archive against the manifest's sizes and SHA-256 — a damaged archive
    /// is refused here, not halfway through pg_restore.
    /// </summary>
    public static DumpManifest? VerifyArchive(RestoreRequest request, IOperationReporter reporter, CancellationToken cancellationToken)
    {
        ValidateOptions(request);
        var manifest = request.Manifest ?? ManifestFile.ReadBeside(request.Path);
        if (manifest is not null)
        {
            ArchiveVerifier.Verify(request.Path, manifest, reporter, cancellationToken);
        }

        return manifest;
    }

    /// <summary>Reads the archive's table of contents and checks the options that depend on it.</summary>
    public static ArchiveToc ReadArchive(RestoreRequest request)
    {
        var toc = ArchiveReader.Read(request.Path);
        ValidateArchive(request, toc);
        return toc;
    }

    /// <summary>
    /// The preflight. For a database -CreateDatabase has yet to create (-WhatIf), the server is
    /// read through its maintenance database and the target taken as new and empty.
    /// </summary>
    public static async Task<RestorePlan> PrepareAsync(RestoreRequest request, ArchiveToc toc, DumpManifest? manifest, string? newDatabaseEncoding, CancellationToken cancellationToken)
    {
        var reach = newDatabaseEncoding is null ? request.Target : HydraConnectionFactory.WithDatabase(request.Target, "postgres");
        using var connection = await ServerConnector.OpenAsync(reach, cancellationToken).ConfigureAwait(false);
        TargetFacts facts;
        try
        {
            facts = await TargetFacts.ReadAsync(connection, cancellationToken).ConfigureAwait(false);
            if (newDatabaseEncoding is not null)
            {
                facts.AssumeNewDatabase(newDatabaseEncoding);
            }
        }
        catch (NpgsqlException ex)
        {
            throw ServerConnector.QueryFailed(ex, request.Target);
        }

        return Preflight.Check(request, toc, manifest, facts);
    }

    /// <summary>
    /// Carries out the preflight's plan: creates missing roles if asked, runs pg_restore (in
    /// sections when columnar options must be set), then re-applies the database's settings and
    /// state. What it creates is recorded in <paramref name="undo"/>, for <see cref="RestoreOperation"/>
    /// to give back when the restore fails.
    /// </summary>
    public async Task<HydraRestoreResult> RestoreAsync(RestorePlan plan, RestoreUndo undo, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var request = plan.Request;
        var pgRestore = PgToolLocator.Find("pg_restore", Math.Max(plan.Target.ServerVersionNum / 10000, PgVersion.Major(plan.Toc.PgDumpVersion)), request.PgBinPath);
        _reporter.Verbose("Using " + pgRestore);

        using var privateFolder = new PrivateTempDirectory(_reporter);
        var environment = LibpqEnvironment.For(request.Target, privateFolder);
        if (request.NoTableAccessMethod)
        {
            // Hydra images default default_table_access_method to columnar: "the target's default" must mean heap.
            environment["PGOPTIONS"] = "-c default_table_access_method=heap";
        }
        var useList = request.SelectedIds.Count == 0 ? null : privateFolder.WriteOwnerOnlyFile("use-list", UseList(plan));
        var output = new PgRestoreOutput(plan.Toc.Entries);
        var progress = new PgRestoreProgress(plan.Entries);
        int columnar = 0, settings = 0;

        // Connections are opened for each step that needs one: one held open across a long
        // pg_restore would sit idle, and servers end idle sessions.
        try
        {
            if (plan.RolesToCreate.Count > 0)
            {
                using var connection = await ServerConnector.OpenAsync(request.Target, cancellationToken).ConfigureAwait(false);
                await CreateRolesAsync(connection, plan, undo, cancellationToken).ConfigureAwait(false);
            }

            var parallelLoads = ParallelTableLoad.Choose(plan);
            if (plan.Sectioned || parallelLoads.Count > 0)
            {
                var preData = await RunAsync(pgRestore, PgRestoreArguments.Build(request, PreDataSection, request.Jobs, useList), environment, output, progress, request.Target, cancellationToken).ConfigureAwait(false);

                // -ExitOnError stops here; so does a rolled-back -SingleTransaction pre-data pass.
                if (preData != 0 && (request.ExitOnError || request.SingleTransaction))
                {
                    return Result(plan, clock, output, columnar, settings);
                }

                if (plan.ColumnarOptionsToApply.Count > 0)
                {
                    columnar = await ApplyColumnarOptionsAsync(plan, output, cancellationToken).ConfigureAwait(false);
                }

                if (parallelLoads.Count == 0)
                {
                    await RunAsync(pgRestore, PgRestoreArguments.Build(request, DataAndPostDataSections, request.Jobs, useList), environment, output, progress, request.Target, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await LoadDataAsync(plan, pgRestore, environment, privateFolder, parallelLoads, output, progress, cancellationToken).ConfigureAwait(false);
                    await RunAsync(pgRestore, PgRestoreArguments.Build(request, PostDataSection, request.Jobs, useList), environment, output, progress, request.Target, cancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                var exit = await RunAsync(pgRestore, PgRestoreArguments.Build(request, Array.Empty<string>(), request.Jobs, useList), environment, output, progress, request.Target, cancellationToken).ConfigureAwait(false);
                if (exit == 0 && plan.ColumnarOptionsAfterRows)
                {
                    // -Clean: the one transaction left no place between the tables and their rows.
                    columnar = await ApplyColumnarOptionsAsync(plan, output, cancellationToken).ConfigureAwait(false);
                }
            }

            if (undo.Database is { } created && output.ErrorCount == 0)
            {
                // pg_restore is done: the mark goes before the database-level steps, which may set a comment of their own.
                await UnfinishedRestoreMark.ClearAsync(created, cancellationToken).ConfigureAwait(false);
            }

            if (plan.SettingsToApply.Count > 0)
            {
                using var connection = await ServerConnector.OpenAsync(request.Target, cancellationToken).ConfigureAwait(false);
                settings = await ManifestReapplier.ApplyDatabaseSettingsAsync(connection, plan, output, _reporter, cancellationToken).ConfigureAwait(false);
            }

            if (plan.DatabaseStateToApply is not null)
            {
                using var connection = await ServerConnector.OpenAsync(request.Target, cancellationToken).ConfigureAwait(false);
                await DatabaseStateReapplier.ApplyAsync(connection, plan, output, _reporter, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (NpgsqlException ex)
        {
            throw await GoneOrNullAsync(request.Target, ex.Message, ex).ConfigureAwait(false) ?? ServerConnector.QueryFailed(ex, request.Target);
        }
        catch (HydraException ex) when (ex.Is(HydraErrors.ServerUnreachable) || ex.Is(HydraErrors.ServerConnectionLost))
        {
            // A step after pg_restore could not reach the server it had just restored into.
            throw await GoneOrNullAsync(request.Target, ex.Message, ex).ConfigureAwait(false) ?? ex;
        }

        return Result(plan, clock, output, columnar, settings);
    }

    /// <summary>
    /// The data section with its largest heap tables split (<see cref="ParallelTableLoad"/>):
    /// pg_restore -j loads every other table meanwhile; post-data waits for both.
    /// </summary>
    private async Task LoadDataAsync(RestorePlan plan, PgTool pgRestore, IDictionary<string, string?> environment, PrivateTempDirectory privateFolder, IReadOnlyList<TocEntry> parallelLoads, PgRestoreOutput output, PgRestoreProgress progress, CancellationToken cancellationToken)
    {
        var split = new HashSet<int>(parallelLoads.Select(e => e.DumpId));
        var others = privateFolder.WriteOwnerOnlyFile("use-list-data", UseList(plan.Entries.Where(e => !split.Contains(e.DumpId))));
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var rest = RunAsync(pgRestore, PgRestoreArguments.Build(plan.Request, DataSection, plan.Request.Jobs, others), environment, output, progress, plan.Request.Target, failed.Token);
        var loads = new ParallelTableLoad(plan, pgRestore, environment, privateFolder, _reporter).RunAsync(parallelLoads, output, id =>
        {
            lock (output)
            {
                _reporter.Progress(progress.Completed(id));
            }
        }, failed.Token);
        // Whichever throws first (the server went away, a stop) ends the other, and is what is reported.
        var first = await Task.WhenAny(loads, rest).ConfigureAwait(false);
        if (first.IsFaulted || first.IsCanceled)
        {
            failed.Cancel();
            await Quietly(first == loads ? rest : loads).ConfigureAwait(false);
            await first.ConfigureAwait(false);
        }

        await Task.WhenAll(loads, rest).ConfigureAwait(false);
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or HydraException or NpgsqlException)
        {
            // The first failure is the one reported.
        }
    }

    private async Task<int> ApplyColumnarOptionsAsync(RestorePlan plan, PgRestoreOutput output, CancellationToken cancellationToken)
    {
        using var connection = await ServerConnector.OpenAsync(plan.Request.Target, cancellationToken).ConfigureAwait(false);
        return await ManifestReapplier.ApplyColumnarOptionsAsync(connection, plan, output, _reporter, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// TargetConnectionLost when the target server no longer answers (stopped, crashed, the
    /// network gone) — asked of the server itself, not read from pg_restore's words; null when
    /// it answers and the failure was something else.
    /// </summary>
    private static async Task<HydraException?> GoneOrNullAsync(HydraConnection target, string what, Exception? inner)
    {
        try
        {
            using var probe = await ServerConnector.OpenAsync(target, CancellationToken.None).ConfigureAwait(false);
            return null;
        }
        catch (HydraException ex) when (ex.Category == ErrorCategory.ConnectionError)
        {
            return new HydraException(HydraErrors.TargetConnectionLost,
                string.Format(CultureInfo.InvariantCulture, "The target server {0} went away during the restore and does not answer any more ({1}); the restore did not finish. Bring the server back and restore again.", target.ServerDisplay, what.TrimEnd('.')),
                target,
                inner ?? ex);
        }
    }

    private static void ValidateOptions(RestoreRequest request)
    {
        if (request.SchemaOnly && request.DataOnly)
        {
            throw new HydraException(HydraErrors.SchemaOnlyWithDataOnly, "-SchemaOnly and -DataOnly exclude each other: give at most one.", request.Path);
        }

        if (request.SingleTransaction && request.Jobs > 1)
        {
            throw new HydraException(HydraErrors.SingleTransactionWithJobs, "pg_restore cannot restore in one transaction with several jobs: drop -SingleTransaction or -Jobs.", request.Path);
        }

        if (request.Clean && request.Jobs > 1)
        {
            // -Clean runs as one transaction so that a failure rolls the drops back too: pg_restore cannot do that with several jobs.
            throw new HydraException(HydraErrors.CleanWithJobs, "-Clean restores in one transaction, so that a failure part-way leaves the target as it was, and pg_restore cannot run one transaction with several jobs: drop -Jobs, or restore into a new database (-CreateDatabase) with -Jobs instead of -Clean.", request.Path);
        }

        if (request.Clean && request.DataOnly)
        {
            throw new HydraException(HydraErrors.CleanWithDataOnly, "-Clean drops objects, which a data-only restore does not recreate: drop -Clean or -DataOnly.", request.Path);
        }
    }

    private static void ValidateArchive(RestoreRequest request, ArchiveToc toc)
    {
        if (request.Jobs > 1 && toc.Format == HydraDumpFormat.Tar)
        {
            throw new HydraException(HydraErrors.JobsNeedCustomOrDirectory, "pg_restore restores in parallel only from custom or directory archives, not tar: drop -Jobs, or dump with -Format Custom or Directory.", request.Path);
        }
    }

    private async Task<int> RunAsync(PgTool pgRestore, List<string> arguments, IDictionary<string, string?> environment, PgRestoreOutput output, PgRestoreProgress progress, HydraConnection target, CancellationToken cancellationToken)
    {
        _reporter.Verbose("pg_restore " + CommandLine.Join(arguments));
        var errorsBefore = output.ErrorCount;
        var result = await ToolProcess.RunAsync(
            pgRestore.Path,
            arguments,
            environment,
            line =>
            {
                _reporter.Verbose(line);

                // A split table's load reports into the same output and progress from other threads.
                lock (output)
                {
                    if (progress.OnLine(line) is { } report)
                    {
                        _reporter.Progress(report);
                    }

                    output.OnLine(line);
                }
            },
            cancellationToken).ConfigureAwait(false);

        if (result.ExitCode != 0 && await GoneOrNullAsync(target, "pg_restore: " + LastLine(result.StandardError), null).ConfigureAwait(false) is { } gone)
        {
            throw gone;
        }

        if (result.ExitCode != 0 && output.ErrorCount == errorsBefore)
        {
            // pg_restore failed without a query error: a connection or archive problem. Its own words say which.
            output.OnLine("pg_restore: error: " + LastLine(result.StandardError) + " (exit code " + result.ExitCode.ToString(CultureInfo.InvariantCulture) + ")");
        }

        return result.ExitCode;
    }

    private Task CreateRolesAsync(NpgsqlConnection connection, RestorePlan plan, RestoreUndo undo, CancellationToken cancellationToken) =>
        RoleRecreation.CreateAsync(connection, plan, _reporter, undo.CreatedRole, cancellationToken);

    private static string UseList(RestorePlan plan) => UseList(plan.Entries);

    private static string UseList(IEnumerable<TocEntry> entries)
    {
        var list = new StringBuilder();
        foreach (var entry in entries)
        {
            list.Append(entry.DumpId.ToString(CultureInfo.InvariantCulture)).Append(";\n");
        }

        return list.ToString();
    }

    private static HydraRestoreResult Result(RestorePlan plan, Stopwatch clock, PgRestoreOutput output, int columnar, int settings)
    {
        var request = plan.Request;
        var size = Directory.Exists(request.Path)
            ? Directory.GetFiles(request.Path).Sum(f => new FileInfo(f).Length)
            : new FileInfo(request.Path).Length;
        var dump = new HydraDump(request.Path, plan.Manifest is null ? null : ManifestFile.PathFor(request.Path), plan.Manifest, plan.Toc.Format, size, TimeSpan.Zero);
        var result = new HydraRestoreResult(
            request.Target,
            dump,
            clock.Elapsed,
            plan.Entries.Count,
            output.Issues.Where(i => !i.IsWarning).ToList(),
            output.Issues.Where(i => i.IsWarning).ToList(),
            columnar,
            settings,
            plan.RolesToCreate.ToList(),
            request.NoOwner);
        result.NoAcl = request.NoAcl;
        return result;
    }

    private static string LastLine(string text) =>
        text.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0)?.Replace("pg_restore: error: ", string.Empty) ?? "(no output)";
}
