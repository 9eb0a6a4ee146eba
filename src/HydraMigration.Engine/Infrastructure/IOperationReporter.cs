using System;
namespace HydraMigration.Infrastructure;

/// <summary>
/// How a service tells its caller what it is doing. Services call it from any thread; the
/// cmdlet side queues the messages and writes them from the pipeline thread only.
/// </summary>
internal interface IOperationReporter
{
    void Verbose(string message);

    void Warning(string message);

    void Progress(OperationProgress progress);
}

/// <summary>A progress report: <see cref="PercentComplete"/> is -1 when unknown.</summary>
internal sealed class OperationProgress
{
    public OperationProgress(string status, int percentComplete, string? currentOperation = null, TimeSpan? remaining = null)
    {
        Status = status;
        PercentComplete = percentComplete;
        CurrentOperation = currentOperation;
        Remaining = remaining;
    }

    public string Status { get; }

    public int PercentComplete { get; }

    public string? CurrentOperation { get; }

    /// <summary>The time left, when it can be estimated (bytes left at the current rate).</summary>
    public TimeSpan? Remaining { get; }
}

/// <summary>A reporter that drops everything, for callers that need no messages.</summary>
internal sealed class NullReporter : IOperationReporter
{
    public static readonly NullReporter Instance = new();

    public void Verbose(string message)
    {
    }

    public void Warning(string message)
    {
    }

    public void Progress(OperationProgress progress)
    {
    }
}
