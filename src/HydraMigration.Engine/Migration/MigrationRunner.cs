using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Connections;
using HydraMigration.Copy;
using HydraMigration.Database;
using HydraMigration.Dump;
using HydraMigration.Infrastructure;
using HydraMigration.Restore;
using HydraMigration.Ssh;
using HydraMigration.Validation;
using Npgsql;

namespace HydraMigration.Migration;

/// <summary>
/// Runs a plan's steps — dump, copy, create, restore, validate — with the very services the
/// single cmdlets use (DumpService, CopyService, RestoreService with its DatabaseService and
/// RestoreUndo, ValidationService), journaling each attempt. On -Resume a step the journal
/// records as done is skipped when what it produced still holds (the archive matches its
/// manifest); a partial copy continues; a restore that failed was given back by its undo (the
/// database it created dropped) and runs anew. The first failing step ends the run; the report
/// says which, and every attempt before it.
/// </summary>
internal sealed class MigrationRunner
{
    private readonly IOperationReporter _reporter;
    private readonly IDirectCopyStep _direct;

    public MigrationRunner(IOperationReporter reporter, IDirectCopyStep direct)
    {
        _reporter = reporter;
        _direct = direct;
    }

    public async Task<HydraMigrationReport> RunAsync(MigrationRequest request, MigrationPlanning planning, MigrationJournal journal, CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        Directory.CreateDirectory(request.WorkFolder);
        Directory.CreateDirectory(request.LocalPath);
        Remember(journal, planning.Facts);
        journal.Save(request.WorkFolder);
        var run = new Run(request, planning, journal, _reporter);
        try
        {
            if (journal.Step("Validate").Status == HydraMigrationStepStatus.Succeeded)
            {
                _reporter.Verbose("The journal records this migration as complete: nothing to do.");
            }
            else if (request.Shape == HydraMigrationShape.Direct)
            {
                await DirectAsync(run, cancellationToken).ConfigureAwait(false);
                await ValidateAsync(run, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var dump = await DumpAsync(run, cancellationToken).ConfigureAwait(false);
                await CopyAsync(run, dump, cancellationToken).ConfigureAwait(false);
                await CreateAndRestoreAsync(run, cancellationToken).ConfigureAwait(false);
                await ValidateAsync(run, cancellationToken).ConfigureAwait(false);
                if (!request.KeepArchive)
                {
                    await RemoveArchiveAsync(run, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (MigrationStepFailedException)
        {
            // Recorded in the journal; the report says it.
        }
        finally
        {
            journal.Save(request.WorkFolder);
        }

        var report = MigrationReportBuilder.Build(request, journal, started);
        if (request.ReportPath is not null)
        {
            MigrationReportWriter.Write(report, request.ReportPath);
        }

        return report;
    }

    private static void Remember(MigrationJournal journal, MigrationFacts facts)
    {
        journal.SourceServerVersion = facts.SourceServerVersion ?? journal.SourceServerVersion;
        journal.TargetServerVersion = facts.TargetServerVersion ?? journal.TargetServerVersion;
        journal.PgDumpVersion = facts.PgDumpVersion ?? journal.PgDumpVersion;
        journal.PgRestoreVersion = facts.PgRestoreVersion ?? journal.PgRestoreVersion;
        journal.SourceColumnarVersion = facts.SourceColumnarVersion ?? journal.SourceColumnarVersion;
        journal.TargetColumnarVersion = facts.TargetColumnarVersion ?? journal.TargetColumnarVersion;
    }

    private static async Task<HydraDump?> DumpAsync(Run run, CancellationToken cancellationToken)
    {
        var request = run.Request;
        var journal = run.Journal;
        var path = request.SshSession is null ? Path.Combine(request.LocalPath, request.ArchiveName) : MigrationPlanner.RemoteArchivePath(request);
        var step = journal.Step("Dump");
        if (step.Status == HydraMigrationStepStatus.Succeeded && await DumpStillHoldsAsync(run, cancellationToken).ConfigureAwait(false))
        {
            run.Reporter.Verbose("Dump: done in an earlier run, and the archive still matches its manifest: " + journal.DumpPath);
            return null;
        }

        return await run.StepAsync("Dump", async reporter =>
        {
            var dump = await new DumpService(reporter).RunAsync(new DumpRequest(request.Source, path)
            {
                Format = request.Format,
                Compression = request.Compression,
                Jobs = request.Format == HydraDumpFormat.Directory ? request.Jobs : 1,
                // Only ever over the archive an earlier attempt of this migration made.
                Force = string.Equals(journal.DumpPath, path, StringComparison.Ordinal),
                SshSession = request.SshSession,
            }, cancellationToken).ConfigureAwait(false);
            journal.DumpPath = dump.Path;
            journal.ArchiveSha256 = dump.Sha256;
            journal.PgDumpVersion = dump.PgDumpVersion ?? journal.PgDumpVersion;
            journal.SourceServerVersion = dump.ServerVersion ?? journal.SourceServerVersion;
            if (request.SshSession is null)
            {
                journal.LocalArchivePath = dump.Path;
            }

            var step = journal.Step("Dump");
            step.Bytes = dump.Size;
            step.Detail = string.Format(CultureInfo.InvariantCulture, "{0} ({1}, {2} table(s), SHA-256 {3})", dump, Units.Bytes(dump.Size), dump.TableCount, dump.Sha256);
            return dump;
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether the archive an earlier run made is still there and still the same: once restored
    /// it is not needed any more; here it must match its manifest (size and SHA-256); on the SSH
    /// host its manifest must record the journal's hash (the copy then verifies every byte). A
    /// manifest recording another hash is another archive: refused, not silently used.
    /// </summary>
    private static async Task<bool> DumpStillHoldsAsync(Run run, CancellationToken cancellationToken)
    {
        var journal = run.Journal;
        if (journal.Step("Restore").Status == HydraMigrationStepStatus.Succeeded || journal.Step("Copy").Status == HydraMigrationStepStatus.Succeeded || journal.DumpPath is null)
        {
            return journal.DumpPath is not null;
        }

        if (run.Request.SshSession is null)
        {
            return LocalArchiveHolds(run, journal.DumpPath, cancellationToken);
        }

        using var site = await SshDumpSite.OpenAsync(run.Request.SshSession, run.Reporter, cancellationToken).ConfigureAwait(false);
        var manifest = site.Files.FileExists(journal.DumpPath) || site.Files.DirectoryExists(journal.DumpPath) ? ManifestFile.ReadBeside(journal.DumpPath, site.Files) : null;
        if (manifest is null)
        {
            return false;
        }

        RefuseAnotherArchive(journal, journal.DumpPath, manifest);
        return true;
    }

    private static bool LocalArchiveHolds(Run run, string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            return false;
        }

        var manifest = ManifestFile.ReadBeside(path);
        if (manifest is null)
        {
            return false;
        }

        RefuseAnotherArchive(run.Journal, path, manifest);
        try
        {
            ArchiveVerifier.Verify(path, manifest, run.Reporter, cancellationToken);
            return true;
        }
        catch (HydraException ex) when (ex.Is(HydraErrors.ArchiveCorrupt))
        {
            run.Reporter.Warning(ex.Message + " It is made again.");
            return false;
        }
    }

    private static void RefuseAnotherArchive(MigrationJournal journal, string path, DumpManifest manifest)
    {
        if (journal.ArchiveSha256 is not null && !string.Equals(journal.ArchiveSha256, manifest.Archive.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw MigrationInputs.Changed(new List<string> { string.Format(CultureInfo.InvariantCulture, "Archive: '{0}' is another archive (SHA-256 {1}; the journal's is {2})", path, manifest.Archive.Sha256, journal.ArchiveSha256) }, path);
        }
    }

    private static async Task CopyAsync(Run run, HydraDump? dump, CancellationToken cancellationToken)
    {
        var request = run.Request;
        var journal = run.Journal;
        var step = journal.Step("Copy");
        if (request.SshSession is null)
        {
            if (step.Status == HydraMigrationStepStatus.Pending)
            {
                step.Status = HydraMigrationStepStatus.Skipped;
                step.Detail = "pg_dump wrote the archive here";
            }

            return;
        }

        var local = Path.Combine(request.LocalPath, request.ArchiveName);
        if (step.Status == HydraMigrationStepStatus.Succeeded
            && (journal.Step("Restore").Status == HydraMigrationStepStatus.Succeeded || (journal.LocalArchivePath is not null && LocalArchiveHolds(run, journal.LocalArchivePath, cancellationToken))))
        {
            run.Reporter.Verbose("Copy: done in an earlier run, and the copy still matches its manifest: " + journal.LocalArchivePath);
            return;
        }

        var earlier = step.Attempts.Count > 0;
        await run.StepAsync("Copy", async reporter =>
        {
            var copy = await new CopyService(reporter).RunAsync(new CopyRequest(journal.DumpPath!, request.LocalPath.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar)
            {
                From = request.SshSession,
                Manifest = dump?.Manifest,
                // What an earlier attempt left: its partial file continues, its finished copy is replaced.
                Resume = earlier,
                Force = earlier && (File.Exists(local) || Directory.Exists(local)),
            }, cancellationToken).ConfigureAwait(false);
            journal.LocalArchivePath = copy.Path;
            var copyStep = journal.Step("Copy");
            copyStep.Bytes = copy.Size;
            copyStep.Detail = string.Format(CultureInfo.InvariantCulture, "{0} ({1}), verified against the manifest's SHA-256", copy.Path, Units.Bytes(copy.Size));
            return copy;
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// The restore as Restore-HydraDump -CreateDatabase does it, with the same services: the
    /// archive verified, the preflight, then CREATE DATABASE and pg_restore in one
    /// RestoreService.ExecuteAsync, whose undo drops what a failed restore created. The two are
    /// journaled as two steps: Create ends when the database exists.
    /// </summary>
    private static async Task CreateAndRestoreAsync(Run run, CancellationToken cancellationToken)
    {
        var request = run.Request;
        var journal = run.Journal;
        var restoreStep = journal.Step("Restore");
        var createStep = journal.Step("Create");
        var database = new DatabaseRequest(HydraConnectionFactory.WithDatabase(request.Target, "postgres"), request.Target.Database);
        if (restoreStep.Status == HydraMigrationStepStatus.Succeeded)
        {
            var there = await DatabaseService.FindAsync(database, cancellationToken).ConfigureAwait(false);
            if (there is not null && !UnfinishedRestoreMark.Is(there.Comment))
            {
                run.Reporter.Verbose("Restore: done in an earlier run; the database is there.");
                return;
            }
        }

        var restoreRequest = new RestoreRequest(journal.LocalArchivePath!, request.Target)
        {
            Jobs = request.Jobs,
            NoOwner = request.NoOwner,
            NoAcl = request.NoAcl,
            CreateMissingRole = request.CreateMissingRole,
        };

        var restoreWarnings = new List<string>();
        var reporter = new StepReporter(run.Reporter, "Restore", restoreWarnings);
        JournalAttempt? createAttempt = null;
        JournalAttempt? restoreAttempt = null;
        try
        {
            var manifest = RestoreService.VerifyArchive(restoreRequest, reporter, cancellationToken);
            restoreRequest.Manifest = manifest;
            var toc = RestoreService.ReadArchive(restoreRequest);
            var existing = await DatabaseService.FindAsync(database, cancellationToken).ConfigureAwait(false);
            var leftover = existing is not null && UnfinishedRestoreMark.Is(existing.Comment) ? existing : null;
            var missing = request.CreateDatabase != false && (existing is null || leftover is not null);
            if (existing is null && !missing)
            {
                throw new HydraException(HydraErrors.TargetDatabaseNotFound, string.Format(CultureInfo.InvariantCulture, "The database '{0}' does not exist on {1}:{2}, and -CreateDatabase:$false says not to create it.", request.Target.Database, request.Target.HostName, request.Target.Port), request.Target.Database);
            }

            var plan = await RestoreService.PrepareAsync(restoreRequest, toc, manifest, missing ? database.Encoding : null, cancellationToken).ConfigureAwait(false);
            restoreWarnings.AddRange(plan.Warnings);
            if (plan.Problems.Count > 0)
            {
                var first = plan.Problems[0];
                throw new HydraException(first.Error, string.Join(" ", plan.Problems.Select(p => p.Message)), first.Target);
            }

            if (missing)
            {
                createAttempt = run.Begin(createStep);
            }
            else
            {
                createStep.Status = HydraMigrationStepStatus.Skipped;
                createStep.Detail = "the database exists and is empty";
                restoreAttempt = run.Begin(restoreStep);
            }

            var operation = RestoreOperation.For(plan, missing ? database : null, leftover);
            operation.DatabaseCreated = () =>
            {
                journal.DatabaseCreated = database.Name;
                createStep.Detail = "CREATE DATABASE " + Sql.Identifier(database.Name) + " (UTF8, template0) on " + request.Target.HostName + ":" + request.Target.Port.ToString(CultureInfo.InvariantCulture);
                run.End(createStep, createAttempt!, HydraMigrationStepStatus.Succeeded, null);
                restoreAttempt = run.Begin(restoreStep);
            };
            var result = await operation.ExecuteAsync(reporter, cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                throw new HydraException(HydraErrors.PgRestoreFailed, string.Format(CultureInfo.InvariantCulture, "pg_restore reported {0} error(s): {1}{2}. {3}", result.Errors.Count, string.Join("; ", result.Errors.Take(3).Select(e => e.ToString())), result.Errors.Count > 3 ? "; ..." : string.Empty, restoreWarnings.LastOrDefault(w => w.StartsWith("The restore into", StringComparison.Ordinal)) ?? string.Empty), request.Target.ServerDisplay);
            }

            foreach (var issue in result.Warnings)
            {
                restoreWarnings.Add("pg_restore (harmless): " + issue);
            }

            RecordCarried(journal, plan, result);
            restoreStep.Bytes = new FileInfo(journal.LocalArchivePath!).Exists ? new FileInfo(journal.LocalArchivePath!).Length : journal.Step("Dump").Bytes;
            restoreStep.Detail = string.Format(CultureInfo.InvariantCulture, "{0} entries restored into {1}; columnar options on {2} table(s), {3} setting(s) re-applied{4}", result.EntriesRestored, request.Target.ServerDisplay, result.ColumnarTablesConfigured, result.SettingsApplied, result.RolesCreated.Count == 0 ? string.Empty : ", role(s) created: " + string.Join(", ", result.RolesCreated));
            restoreStep.Warnings = restoreWarnings;
            run.End(restoreStep, restoreAttempt!, HydraMigrationStepStatus.Succeeded, null);
        }
        catch (Exception ex) when (ex is HydraException or NpgsqlException or IOException or OperationCanceledException)
        {
            var failure = ex as HydraException ?? (ex is NpgsqlException npgsql ? ServerConnector.QueryFailed(npgsql, request.Target) : null);
            var id = failure?.ErrorId ?? (ex is OperationCanceledException ? "MigrationStopped" : "RestoreFailed");
            restoreStep.Warnings = restoreWarnings;
            if (createAttempt is not null && restoreAttempt is null)
            {
                run.End(createStep, createAttempt, HydraMigrationStepStatus.Failed, id, ex.Message);
            }
            else
            {
                restoreAttempt ??= run.Begin(restoreStep);
                run.End(restoreStep, restoreAttempt, HydraMigrationStepStatus.Failed, id, ex.Message);
                if (createAttempt is not null)
                {
                    // RestoreService's undo dropped the database it created: the next run creates it anew.
                    createStep.Status = HydraMigrationStepStatus.RolledBack;
                    journal.DatabaseCreated = null;
                    run.Save();
                }
            }

            if (ex is OperationCanceledException)
            {
                throw;
            }

            throw new MigrationStepFailedException(id, ex);
        }
    }

    private static string DescribeOptions(ManifestTable table)
    {
        var o = table.Columnar!;
        var parts = new List<string>();
        if (o.Compression is not null)
        {
            parts.Add("compression=" + o.Compression);
        }

        if (o.CompressionLevel is not null)
        {
            parts.Add("compression_level=" + o.CompressionLevel.Value.ToString(CultureInfo.InvariantCulture));
        }

        if (o.StripeRowLimit is not null)
        {
            parts.Add("stripe_row_limit=" + o.StripeRowLimit.Value.ToString(CultureInfo.InvariantCulture));
        }

        if (o.ChunkGroupRowLimit is not null)
        {
            parts.Add("chunk_group_row_limit=" + o.ChunkGroupRowLimit.Value.ToString(CultureInfo.InvariantCulture));
        }

        return table.Schema + "." + table.Name + ": " + string.Join(", ", parts);
    }

    /// <summary>What the restore (or the direct copy) carried onto the target, for the report.</summary>
    private static void RecordCarried(MigrationJournal journal, RestorePlan plan, HydraRestoreResult result)
    {
        journal.RolesCreated = result.RolesCreated.ToList();
        journal.ColumnarTablesConfigured = result.ColumnarTablesConfigured;
        journal.SettingsApplied = result.SettingsApplied;
        journal.TargetServerVersion = plan.Target.ServerVersion;
        journal.CarriedColumnarOptions = plan.ColumnarOptionsToApply.Select(DescribeOptions).ToList();
        journal.CarriedSettings = plan.SettingsToApply.Select(s => (s.Role is null ? string.Empty : "role " + s.Role + ": ") + s.Name + " = " + s.Value).ToList();
        journal.CarriedGrants = plan.ApplyDatabaseAcl && plan.DatabaseStateToApply is { } state
            ? state.Acl.Select(g => g.Grantee + ": " + string.Join(", ", g.Privileges)).ToList()
            : new List<string>();
    }

    private async Task DirectAsync(Run run, CancellationToken cancellationToken)
    {
        if (run.Journal.Step("Direct").Status == HydraMigrationStepStatus.Succeeded)
        {
            return;
        }

        var create = run.Planning.Facts.WillCreateDatabase;
        run.Journal.Step("Create").Status = create ? HydraMigrationStepStatus.Succeeded : HydraMigrationStepStatus.Skipped;
        await run.StepAsync("Direct", async reporter =>
        {
            var outcome = await _direct.RunAsync(run.Request, create, reporter, cancellationToken).ConfigureAwait(false);
            var result = outcome.Result;
            RecordCarried(run.Journal, outcome.Plan, result);
            run.Journal.Step("Direct").Detail = string.Format(CultureInfo.InvariantCulture, "{0} entries copied into {1}", result.EntriesRestored, run.Request.Target.ServerDisplay);
            return result;
        }).ConfigureAwait(false);
    }

    /// <summary>Test-HydraMigration's checks against the dump's manifest (or the live source, for contents).</summary>
    private static async Task ValidateAsync(Run run, CancellationToken cancellationToken)
    {
        var request = run.Request;
        // Against what the dump's (or the direct copy's) snapshot held; the live source only when no manifest is there.
        var directManifest = DirectCopyStep.ManifestPathIn(request.WorkFolder);
        var manifest = run.Journal.LocalArchivePath is { } archive ? ManifestFile.ReadBeside(archive)
            : request.Shape == HydraMigrationShape.Direct && File.Exists(directManifest) ? ManifestFile.Read(directManifest)
            : null;
        var categories = new HashSet<HydraValidationCategory>(Enum.GetValues(typeof(HydraValidationCategory)).Cast<HydraValidationCategory>().Where(c => c != HydraValidationCategory.DataChecksum));
        var live = request.DataChecksum || manifest is null;
        if (request.DataChecksum)
        {
            categories.Add(HydraValidationCategory.DataChecksum);
        }

        await run.StepAsync("Validate", async reporter =>
        {
            var results = await new ValidationService(reporter).RunAsync(new ValidationRequest(request.Target)
            {
                Manifest = manifest,
                Source = live ? (request.SshSession is null ? request.Source : HydraConnectionFactory.Through(request.Source, request.SshSession)) : null,
                Categories = categories,
                NoOwner = request.NoOwner,
                NoAcl = request.NoAcl,
            }, cancellationToken).ConfigureAwait(false);
            var failures = results.Where(r => r.Status == HydraValidationStatus.Fail).ToList();
            run.Journal.Validation = new JournalValidation
            {
                Passed = results.Count(r => r.Status == HydraValidationStatus.Pass),
                Failed = failures.Count,
                Warnings = results.Count(r => r.Status == HydraValidationStatus.Warning),
                Skipped = results.Count(r => r.Status != HydraValidationStatus.Pass && r.Status != HydraValidationStatus.Fail && r.Status != HydraValidationStatus.Warning),
                Failures = failures.Select(Describe).ToList(),
            };
            run.Journal.Step("Validate").Detail = string.Format(CultureInfo.InvariantCulture, "{0} check(s) passed, {1} failed, {2} warning(s), against {3}", run.Journal.Validation.Passed, failures.Count, run.Journal.Validation.Warnings, live ? "the live source" : "the dump's manifest");
            if (failures.Count > 0)
            {
                throw new HydraException(HydraErrors.MigrationValidationFailed, string.Format(CultureInfo.InvariantCulture, "{0} check(s) found the target differs: {1}{2}", failures.Count, string.Join("; ", failures.Take(3).Select(Describe)), failures.Count > 3 ? "; ..." : string.Empty), request.Target.ServerDisplay);
            }

            return results;
        }).ConfigureAwait(false);
    }

    private static string Describe(HydraValidationResult result) =>
        string.Format(CultureInfo.InvariantCulture, "{0} {1}{2} {3}: {4} -> {5}{6}", result.Category, result.Schema.Length == 0 ? string.Empty : result.Schema + ".", result.Name, result.Check, result.SourceValue ?? "(none)", result.TargetValue ?? "(none)", string.IsNullOrEmpty(result.Message) ? string.Empty : " (" + result.Message + ")");

    /// <summary>After a migration that succeeded, the archive (here and on the SSH host) is not needed: removed unless -KeepArchive.</summary>
    private static async Task RemoveArchiveAsync(Run run, CancellationToken cancellationToken)
    {
        var journal = run.Journal;
        if (journal.ArchiveRemoved || journal.Step("Validate").Status != HydraMigrationStepStatus.Succeeded)
        {
            return;
        }

        try
        {
            if (journal.LocalArchivePath is { } local)
            {
                DeleteLocal(local);
                DeleteLocal(ManifestFile.PathFor(local));
            }

            if (run.Request.SshSession is { } session && journal.DumpPath is { } remote)
            {
                using var site = await SshDumpSite.OpenAsync(session, run.Reporter, cancellationToken).ConfigureAwait(false);
                await RemoteShell.RunAsync(SshSessionConnection.Of(session).Client, "rm -rf -- " + RemoteShell.Quote(remote) + " " + RemoteShell.Quote(ManifestFile.PathFor(remote)), null, null, cancellationToken).ConfigureAwait(false);
            }

            journal.ArchiveRemoved = true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or HydraException or Renci.SshNet.Common.SshException)
        {
            run.Reporter.Warning("The migration succeeded, but its archive could not be removed (" + ex.Message + "); remove it by hand: " + journal.DumpPath);
        }
    }

    private static void DeleteLocal(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
        else if (File.Exists(path))
        {
            File.Delete(path);
        }
    }

    /// <summary>One run's state: the request, the journal and how attempts are recorded in it.</summary>
    private sealed class Run
    {
        public Run(MigrationRequest request, MigrationPlanning planning, MigrationJournal journal, IOperationReporter reporter)
        {
            Request = request;
            Planning = planning;
            Journal = journal;
            Reporter = reporter;
        }

        public MigrationRequest Request { get; }

        public MigrationPlanning Planning { get; }

        public MigrationJournal Journal { get; }

        public IOperationReporter Reporter { get; }

        public void Save() => Journal.Save(Request.WorkFolder);

        public JournalAttempt Begin(JournalStep step)
        {
            var attempt = new JournalAttempt { StartedUtc = DateTime.UtcNow };
            step.Attempts.Add(attempt);
            step.Status = HydraMigrationStepStatus.Running;
            Save();
            return attempt;
        }

        public void End(JournalStep step, JournalAttempt attempt, HydraMigrationStepStatus outcome, string? errorId, string? message = null)
        {
            attempt.EndedUtc = DateTime.UtcNow;
            attempt.Outcome = outcome;
            attempt.ErrorId = errorId;
            attempt.Message = message;
            step.Status = outcome;
            Save();
        }

        /// <summary>One attempt at a step: journaled before it starts and when it ends, however it ends.</summary>
        public async Task<T> StepAsync<T>(string name, Func<IOperationReporter, Task<T>> work)
        {
            var step = Journal.Step(name);
            var warnings = new List<string>();
            var attempt = Begin(step);
            try
            {
                var result = await work(new StepReporter(Reporter, name, warnings)).ConfigureAwait(false);
                step.Warnings = warnings;
                End(step, attempt, HydraMigrationStepStatus.Succeeded, null);
                return result;
            }
            catch (HydraException ex)
            {
                step.Warnings = warnings;
                End(step, attempt, HydraMigrationStepStatus.Failed, ex.ErrorId, ex.Message);
                throw new MigrationStepFailedException(ex.ErrorId, ex);
            }
            catch (OperationCanceledException)
            {
                step.Warnings = warnings;
                End(step, attempt, HydraMigrationStepStatus.Failed, "MigrationStopped", "The run was stopped during this step.");
                throw;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or UnauthorizedAccessException or Renci.SshNet.Common.SshException)
            {
                step.Warnings = warnings;
                End(step, attempt, HydraMigrationStepStatus.Failed, name + "Failed", ex.Message);
                throw new MigrationStepFailedException(name + "Failed", ex);
            }
        }
    }
}

/// <summary>A step failed: recorded in the journal, and the run ends there.</summary>
internal sealed class MigrationStepFailedException : Exception
{
    public MigrationStepFailedException(string errorId, Exception inner)
        : base(inner.Message, inner) => ErrorId = errorId;

    public string ErrorId { get; }
}
