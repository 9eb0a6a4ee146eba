using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Connections;
using HydraMigration.Database;
using HydraMigration.Infrastructure;

namespace HydraMigration.Direct;

/// <summary>
/// A direct copy as request → plan → execute, the one flow Copy-HydraDatabase and
/// Invoke-HydraMigration -Direct share. <see cref="PlanAsync"/> finds the target database (one
/// an earlier -CreateDatabase left unfinished counts as missing and is replaced), exports the
/// snapshot and runs the preflight, its warnings to the reporter; <see cref="ExecuteAsync"/>
/// creates, copies and, on any failure or stop, gives back what it made.
/// </summary>
internal sealed class DirectCopyOperation : IOperationPlan<HydraRestoreResult>, IDisposable
{
    private readonly DirectCopyPlan _plan;
    private readonly DatabaseRequest? _databaseToCreate;
    private readonly ExistingDatabase? _leftover;
    private readonly bool _keepFailed;

    private DirectCopyOperation(DirectCopyPlan plan, DatabaseRequest? databaseToCreate, ExistingDatabase? leftover, bool keepFailed)
    {
        _plan = plan;
        _databaseToCreate = databaseToCreate;
        _leftover = leftover;
        _keepFailed = keepFailed;
        var target = plan.Request.Target;
        Target = string.Format(CultureInfo.InvariantCulture, "database '{0}' on {1}:{2}", target.Database, target.HostName, target.Port);
        Action = (databaseToCreate is null ? "Copy " : databaseToCreate.CreateAction + " and copy ") + plan.Request.Source.ServerDisplay + " into it: " + plan.Describe();
        Steps = new[] { Action };
    }

    /// <summary>What the preflight found that stops the copy; each is reported, and nothing is written.</summary>
    public IReadOnlyList<HydraException> Problems => _plan.Restore.Problems;

    /// <summary>The restore plan of the schema, for what the copy carries (Invoke-HydraMigration's report).</summary>
    public Restore.RestorePlan Restore => _plan.Restore;

    public string Target { get; }

    public string Action { get; }

    public IReadOnlyList<string> Steps { get; }

    public static async Task<DirectCopyOperation> PlanAsync(DirectCopyRequest request, bool createDatabase, bool keepFailed, IOperationReporter reporter, CancellationToken cancellationToken)
    {
        var database = createDatabase ? new DatabaseRequest(HydraConnectionFactory.WithDatabase(request.Target, "postgres"), request.Target.Database) : null;
        var existing = database is null ? null : await DatabaseService.FindAsync(database, cancellationToken).ConfigureAwait(false);
        var leftover = existing is not null && UnfinishedRestoreMark.Is(existing.Comment) ? existing : null;
        var missing = database is not null && (existing is null || leftover is not null);

        var plan = await new DirectCopyService(reporter).PrepareAsync(request, missing ? database!.Encoding : null, cancellationToken).ConfigureAwait(false);
        foreach (var warning in plan.Restore.Warnings)
        {
            reporter.Warning(warning);
        }

        return new DirectCopyOperation(plan, missing ? database : null, leftover, keepFailed);
    }

    public Task<HydraRestoreResult> ExecuteAsync(IOperationReporter reporter, CancellationToken cancellationToken) =>
        new DirectCopyService(reporter).ExecuteAsync(_plan, _databaseToCreate, _leftover, _keepFailed, cancellationToken);

    /// <summary>Closes the snapshot and removes the schema archive's private folder.</summary>
    public void Dispose() => _plan.Dispose();
}
