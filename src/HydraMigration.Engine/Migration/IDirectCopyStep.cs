using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Infrastructure;
using HydraMigration.Restore;

namespace HydraMigration.Migration;

/// <summary>
/// The direct shape's one step: the source copied straight into the target (Copy-HydraDatabase's
/// engine), returning what a restore returns so validation and the report treat both shapes
/// alike. The runner knows the direct engine only through this seam.
/// </summary>
internal interface IDirectCopyStep
{
    Task<DirectCopyOutcome> RunAsync(MigrationRequest request, bool createDatabase, IOperationReporter reporter, CancellationToken cancellationToken);
}

/// <summary>What the direct copy did, and the restore plan it carried (what the report lists as carried).</summary>
internal sealed class DirectCopyOutcome
{
    public DirectCopyOutcome(HydraRestoreResult result, RestorePlan plan)
    {
        Result = result;
        Plan = plan;
    }

    public HydraRestoreResult Result { get; }

    public RestorePlan Plan { get; }
}
