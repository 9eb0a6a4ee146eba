using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Infrastructure;

namespace HydraMigration.Migration;

/// <summary>
/// The direct shape's one step: the source copied straight into the target (Copy-HydraDatabase's
/// engine), returning what a restore returns so validation and the report treat both shapes
/// alike. The runner knows the direct engine only through this seam.
/// </summary>
internal interface IDirectCopyStep
{
    Task<HydraRestoreResult> RunAsync(MigrationRequest request, bool createDatabase, IOperationReporter reporter, CancellationToken cancellationToken);
}
