using System.Collections.Generic;
using HydraMigration.Infrastructure;

namespace HydraMigration.Migration;

/// <summary>Passes a step's messages on, keeping its warnings for the journal and the report.</summary>
internal sealed class StepReporter : IOperationReporter
{
    private readonly IOperationReporter _inner;
    private readonly List<string> _warnings;
    private readonly string _step;

    public StepReporter(IOperationReporter inner, string step, List<string> warnings)
    {
        _inner = inner;
        _step = step;
        _warnings = warnings;
    }

    public void Verbose(string message) => _inner.Verbose(_step + ": " + message);

    public void Warning(string message)
    {
        lock (_warnings)
        {
            _warnings.Add(message);
        }

        _inner.Warning(_step + ": " + message);
    }

    // The step's detail stays lazy: written only if the reporter shows this report.
    public void Progress(OperationProgress progress) =>
        _inner.Progress(OperationProgress.Lazy(_step + ": " + progress.Status, progress.PercentComplete, () => progress.CurrentOperation, progress.Remaining));
}
