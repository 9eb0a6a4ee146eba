using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Connections;
using HydraMigration.Database;
using HydraMigration.Direct;
using HydraMigration.Infrastructure;

namespace HydraMigration.Migration;

/// <summary>
/// The direct shape's step over Copy-HydraDatabase's engine: the same preparation (snapshot,
/// schema, preflight) and execution (create, copy, post-data, undo on failure) the cmdlet runs.
/// The manifest the copy recorded in its snapshot is written into the work folder, so the
/// validation step proves the target against what the snapshot held, on a resumed run too.
/// </summary>
internal sealed class DirectCopyStep : IDirectCopyStep
{
    /// <summary>The snapshot's manifest, in the work folder.</summary>
    public static string ManifestPathIn(string workFolder) => Path.Combine(workFolder, "direct.manifest.json");

    public async Task<DirectCopyOutcome> RunAsync(MigrationRequest request, bool createDatabase, IOperationReporter reporter, CancellationToken cancellationToken)
    {
        var copy = new DirectCopyRequest(request.Source, request.Target)
        {
            Jobs = request.Jobs,
            IndexJobs = request.Jobs,
            NoOwner = request.NoOwner,
            NoAcl = request.NoAcl,
            CreateMissingRole = request.CreateMissingRole,
            ManifestPath = ManifestPathIn(request.WorkFolder),
        };

        var database = createDatabase ? new DatabaseRequest(HydraConnectionFactory.WithDatabase(request.Target, "postgres"), request.Target.Database) : null;
        var existing = database is null ? null : await DatabaseService.FindAsync(database, cancellationToken).ConfigureAwait(false);

        // A database a failed attempt left unfinished is replaced, as Copy-HydraDatabase does.
        var leftover = existing is not null && UnfinishedRestoreMark.Is(existing.Comment) ? existing : null;
        var missing = database is not null && (existing is null || leftover is not null);

        var service = new DirectCopyService(reporter);
        using var plan = await service.PrepareAsync(copy, missing ? database!.Encoding : null, cancellationToken).ConfigureAwait(false);
        foreach (var warning in plan.Restore.Warnings)
        {
            reporter.Warning(warning);
        }

        if (plan.Restore.Problems.FirstOrDefault() is { } problem)
        {
            // The plan ran this preflight already; the target changed since, and nothing is written.
            throw problem;
        }

        var result = await service.ExecuteAsync(plan, missing ? database : null, leftover, keepFailed: false, cancellationToken).ConfigureAwait(false);
        return new DirectCopyOutcome(result, plan.Restore);
    }
}
