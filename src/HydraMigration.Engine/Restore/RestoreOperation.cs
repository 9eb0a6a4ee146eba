using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Database;
using HydraMigration.Infrastructure;

namespace HydraMigration.Restore;

/// <summary>
/// One Restore-HydraDump, end to end, as a plan: <see cref="PlanAsync"/> verifies the archive,
/// looks for the database -CreateDatabase would make and runs the preflight (nothing is written);
/// <see cref="ExecuteAsync"/> then creates the database, restores (<see cref="RestoreService"/>:
/// roles, pg_restore, columnar options, settings, the database's state) and, when that fails or
/// is stopped, gives back what it created (<see cref="RestoreUndo"/>), every step telling the
/// same reporter — so a cleanup that fails is a warning the user sees.
/// </summary>
internal sealed class RestoreOperation : IOperationPlan<HydraRestoreResult>
{
    private readonly DatabaseRequest? _databaseToCreate;
    private readonly ExistingDatabase? _leftover;

    private RestoreOperation(RestorePlan restore, DatabaseRequest? databaseToCreate, ExistingDatabase? leftover)
    {
        Restore = restore;
        _databaseToCreate = databaseToCreate;
        _leftover = leftover;
        var request = restore.Request;
        Target = string.Format(CultureInfo.InvariantCulture, "database '{0}' on {1}:{2}", request.Target.Database, request.Target.HostName, request.Target.Port);
        Action = (databaseToCreate is null ? "Restore " : databaseToCreate.CreateAction + " and restore ") + Path.GetFileName(request.Path) + ": " + restore.Describe();
        Steps = (databaseToCreate is null ? Enumerable.Empty<string>() : new[] { "CREATE DATABASE " + Sql.Identifier(databaseToCreate.Name) + " (encoding " + databaseToCreate.Encoding + ", template " + databaseToCreate.Template + ")" })
            .Concat(restore.Steps())
            .ToList();
    }

    /// <summary>
    /// The operation for a plan its caller prepared itself (Invoke-HydraMigration, which runs
    /// the preflight at planning time and journals the steps).
    /// </summary>
    public static RestoreOperation For(RestorePlan restore, DatabaseRequest? databaseToCreate, ExistingDatabase? leftover) =>
        new(restore, databaseToCreate, leftover);

    /// <summary>Told when the database exists, before pg_restore starts (Invoke-HydraMigration journals the two apart).</summary>
    public Action? DatabaseCreated { get; set; }

    /// <summary>The preflight's plan: what pg_restore and the steps around it will do.</summary>
    public RestorePlan Restore { get; }

    /// <summary>What the preflight found that stops the restore; each is reported, and nothing is written.</summary>
    public IReadOnlyList<HydraException> Problems => Restore.Problems;

    public string Target { get; }

    public string Action { get; }

    public IReadOnlyList<string> Steps { get; }

    /// <summary>
    /// The archive first (a damaged, truncated or foreign file is refused before any server is
    /// touched), then the target: a database an earlier -CreateDatabase left unfinished (its
    /// server died) counts as missing and is replaced. The preflight's warnings go to <paramref name="reporter"/>.
    /// </summary>
    public static async Task<RestoreOperation> PlanAsync(RestoreRequest request, IOperationReporter reporter, CancellationToken cancellationToken)
    {
        var manifest = await Task.Run(() => RestoreService.VerifyArchive(request, reporter, cancellationToken), cancellationToken).ConfigureAwait(false);
        var toc = RestoreService.ReadArchive(request);
        var database = request.NewDatabase;
        var existing = database is null ? null : await DatabaseService.FindAsync(database, cancellationToken).ConfigureAwait(false);
        var leftover = existing is not null && UnfinishedRestoreMark.Is(existing.Comment) ? existing : null;
        var missing = database is not null && (existing is null || leftover is not null);

        var plan = await RestoreService.PrepareAsync(request, toc, manifest, missing ? database!.Encoding : null, cancellationToken).ConfigureAwait(false);
        foreach (var warning in plan.Warnings)
        {
            reporter.Warning(warning);
        }

        return new RestoreOperation(plan, missing ? database : null, leftover);
    }

    /// <summary>
    /// Creates the database when asked, then restores. A restore that fails, throws or is
    /// stopped drops what it created unless -KeepFailedDatabase; a thrown error then says what
    /// is left on the server, and a failed result is followed by a warning that says it.
    /// </summary>
    public async Task<HydraRestoreResult> ExecuteAsync(IOperationReporter reporter, CancellationToken cancellationToken)
    {
        var request = Restore.Request;
        var undo = new RestoreUndo(reporter, request.Target, request.KeepFailedDatabase);
        return await undo.GuardAsync(
            async () =>
            {
                if (_databaseToCreate is not null)
                {
                    if (_leftover is not null)
                    {
                        reporter.Warning(string.Format(CultureInfo.InvariantCulture, "The database '{0}' is what an earlier restore left unfinished ({1}): it is dropped and restored anew.", _databaseToCreate.Name, _leftover.Comment));
                    }

                    await new DatabaseService(reporter).CreateAsync(_databaseToCreate, _leftover, cancellationToken).ConfigureAwait(false);
                    undo.CreatedDatabase(_databaseToCreate);
                    await UnfinishedRestoreMark.SetAsync(_databaseToCreate, Path.GetFileName(request.Path), cancellationToken).ConfigureAwait(false);
                    DatabaseCreated?.Invoke();
                }

                return await new RestoreService(reporter).RestoreAsync(Restore, undo, cancellationToken).ConfigureAwait(false);
            },
            (result, left) => string.Format(CultureInfo.InvariantCulture, "The restore into {0} failed with {1} error(s). {2}{3}", request.Target.ServerDisplay, result.Errors.Count, request.Clean ? "-Clean ran in one transaction, which was rolled back: the target's objects and rows are as they were. " : string.Empty, left)).ConfigureAwait(false);
    }
}
