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
    private readonly Func<string?>? _describe;
    private string? _currentOperation;

    public OperationProgress(string status, int percentComplete, string? currentOperation = null, TimeSpan? remaining = null)
    {
        Status = status;
        PercentComplete = percentComplete;
        _currentOperation = currentOperation;
        Remaining = remaining;
    }

    private OperationProgress(string status, int percentComplete, Func<string?> describe, TimeSpan? remaining)
    {
        Status = status;
        PercentComplete = percentComplete;
        _describe = describe;
        Remaining = remaining;
    }

    /// <summary>
    /// A report whose detail is written only if it is shown: a reporter shows the newest report
    /// a few times a second, and a service that reports per table would otherwise format
    /// thousands of lines nobody reads (on 5,000 tables, a tenth of pg_dump's stderr reader's CPU).
    /// </summary>
    public static OperationProgress Lazy(string status, int percentComplete, Func<string?> describe, TimeSpan? remaining = null) =>
        new(status, percentComplete, describe, remaining);

    public string Status { get; }

    public int PercentComplete { get; }

    /// <summary>The detail line; a lazy one is written on first read, unlocked: a reporter reads a report from one thread (PipelineMessagePump from the pipeline thread, once).</summary>
    public string? CurrentOperation => _currentOperation ??= _describe?.Invoke();

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
