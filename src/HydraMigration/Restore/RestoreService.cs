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
using HydraMigration.Connections;
using HydraMigration.Dump;
using HydraMigration.Infrastructure;
using HydraMigration.Tools;
using Npgsql;

namespace HydraMigration.Restore;

/// <summary>
/// Restores an archive in two steps. <see cref="PrepareAsync"/> reads the archive and its
/// manifest and checks them against the target (the preflight: nothing is written). <see
/// cref="ExecuteAsync"/> then creates missing roles if asked, and runs pg_restore — in sections
/// when columnar options must be set: pre-data creates the tables, their options are set while
/// they are still empty, and only then data and post-data load, so the rows are written with
/// the source's compression. Database settings are re-applied last, so none of them (say a
/// statement_timeout) can disturb the restore itself.
/// </summary>
internal sealed class RestoreService
{
    private static readonly string[] PreDataSection = { "pre-data" };
    private static readonly string[] DataAndPostDataSections = { "data", "post-data" };

    private readonly IOperationReporter _reporter;

    public RestoreService(IOperationReporter reporter) => _reporter = reporter;

    /// <summary>Reads and checks the archive and its manifest: the first step, before any server is touched.</summary>
    public static (ArchiveToc Toc, DumpManifest? Manifest) ReadArchive(RestoreRequest request)
    {
        ValidateOptions(request);
        var toc = ArchiveReader.Read(request.Path);
        ValidateArchive(request, toc);
        return (toc, request.Manifest ?? ManifestFile.ReadBeside(request.Path));
    }

    /// <summary>
    /// The preflight. For a database -CreateDatabase has yet to create (-WhatIf), the server is
    /// read through its maintenance database and the target taken as new and empty.
    /// </summary>
    public async Task<RestorePlan> PrepareAsync(RestoreRequest request, ArchiveToc toc, DumpManifest? manifest, string? newDatabaseEncoding, CancellationToken cancellationToken)
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

        var plan = Preflight.Check(request, toc, manifest, facts);
        _reporter.Verbose("Restore plan: " + plan.Describe());
        return plan;
    }

    public async Task<HydraRestoreResult> ExecuteAsync(RestorePlan plan, CancellationToken cancellationToken)
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
                await CreateRolesAsync(connection, plan, cancellationToken).ConfigureAwait(false);
            }

            if (plan.Sectioned)
            {
                var preData = await RunAsync(pgRestore, PgRestoreArguments.Build(request, PreDataSection, request.Jobs, useList), environment, output, progress, cancellationToken).ConfigureAwait(false);

                // -ExitOnError stops here; so does a rolled-back -SingleTransaction pre-data pass.
                if (preData != 0 && (request.ExitOnError || request.SingleTransaction))
                {
                    return Result(plan, clock, output, columnar, settings);
                }

                using (var connection = await ServerConnector.OpenAsync(request.Target, cancellationToken).ConfigureAwait(false))
                {
                    columnar = await ManifestReapplier.ApplyColumnarOptionsAsync(connection, plan, output, _reporter, cancellationToken).ConfigureAwait(false);
                }

                await RunAsync(pgRestore, PgRestoreArguments.Build(request, DataAndPostDataSections, request.Jobs, useList), environment, output, progress, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await RunAsync(pgRestore, PgRestoreArguments.Build(request, Array.Empty<string>(), request.Jobs, useList), environment, output, progress, cancellationToken).ConfigureAwait(false);
            }

            if (plan.SettingsToApply.Count > 0)
            {
                using var connection = await ServerConnector.OpenAsync(request.Target, cancellationToken).ConfigureAwait(false);
                settings = await ManifestReapplier.ApplyDatabaseSettingsAsync(connection, plan, output, _reporter, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (NpgsqlException ex)
        {
            throw ServerConnector.QueryFailed(ex, request.Target);
        }

        return Result(plan, clock, output, columnar, settings);
    }

    private static void ValidateOptions(RestoreRequest request)
    {
        if (request.SchemaOnly && request.DataOnly)
        {
            throw new HydraException("SchemaOnlyWithDataOnly", ErrorCategory.InvalidArgument, "-SchemaOnly and -DataOnly exclude each other: give at most one.", request.Path);
        }

        if (request.SingleTransaction && request.Jobs > 1)
        {
            throw new HydraException("SingleTransactionWithJobs", ErrorCategory.InvalidArgument, "pg_restore cannot restore in one transaction with several jobs: drop -SingleTransaction or -Jobs.", request.Path);
        }

        if (request.Clean && request.DataOnly)
        {
            throw new HydraException("CleanWithDataOnly", ErrorCategory.InvalidArgument, "-Clean drops objects, which a data-only restore does not recreate: drop -Clean or -DataOnly.", request.Path);
        }
    }

    private static void ValidateArchive(RestoreRequest request, ArchiveToc toc)
    {
        if (request.Jobs > 1 && toc.Format == HydraDumpFormat.Tar)
        {
            throw new HydraException("JobsNeedCustomOrDirectory", ErrorCategory.InvalidArgument, "pg_restore restores in parallel only from custom or directory archives, not tar: drop -Jobs, or dump with -Format Custom or Directory.", request.Path);
        }
    }

    private async Task<int> RunAsync(PgTool pgRestore, List<string> arguments, IDictionary<string, string?> environment, PgRestoreOutput output, PgRestoreProgress progress, CancellationToken cancellationToken)
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
                if (progress.OnLine(line) is { } report)
                {
                    _reporter.Progress(report);
                }

                output.OnLine(line);
            },
            cancellationToken).ConfigureAwait(false);

        if (result.ExitCode != 0 && output.ErrorCount == errorsBefore)
        {
            // pg_restore failed without a query error: a connection or archive problem. Its own words say which.
            output.OnLine("pg_restore: error: " + LastLine(result.StandardError) + " (exit code " + result.ExitCode.ToString(CultureInfo.InvariantCulture) + ")");
        }

        return result.ExitCode;
    }

    private async Task CreateRolesAsync(NpgsqlConnection connection, RestorePlan plan, CancellationToken cancellationToken)
    {
        foreach (var role in plan.RolesToCreate)
        {
            using var command = new NpgsqlCommand("CREATE ROLE " + Sql.Identifier(role) + " NOLOGIN", connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            _reporter.Verbose("Created role " + Sql.Identifier(role) + " NOLOGIN");
        }
    }

    private static string UseList(RestorePlan plan)
    {
        var list = new StringBuilder();
        foreach (var entry in plan.Entries)
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
        return new HydraRestoreResult(
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
    }

    private static string LastLine(string text) =>
        text.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0)?.Replace("pg_restore: error: ", string.Empty) ?? "(no output)";
}
