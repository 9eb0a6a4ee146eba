using System.IO;
using System.Threading;
using System.Threading.Tasks;
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

        using var operation = await DirectCopyOperation.PlanAsync(copy, createDatabase, keepFailed: false, reporter, cancellationToken).ConfigureAwait(false);
        if (operation.Problems.Count > 0)
        {
            // The plan ran this preflight already; the target changed since, and nothing is written.
            throw operation.Problems[0];
        }

        var result = await operation.ExecuteAsync(reporter, cancellationToken).ConfigureAwait(false);
        return new DirectCopyOutcome(result, operation.Restore);
    }
}
