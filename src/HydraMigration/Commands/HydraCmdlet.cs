using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Infrastructure;

namespace HydraMigration.Commands;

/// <summary>
/// What every HydraMigration cmdlet shares: Ctrl+C cancels the running service (and so kills
/// its child processes), long work runs as a Task while the pipeline thread writes its
/// messages, and <see cref="HydraException"/>s become ErrorRecords with their stable ids.
/// </summary>
public abstract class HydraCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Cancelled when the user presses Ctrl+C, the pipeline is stopped, or the host process is told to go (SIGTERM, SIGHUP).</summary>
    internal CancellationToken StopToken => _stopping.Token;

    /// <inheritdoc />
    public void Dispose()
    {
        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <inheritdoc />
    protected override void StopProcessing() => _stopping.Cancel();

    /// <summary>
    /// Runs <paramref name="work"/> on the thread pool and pumps its messages on this thread
    /// until it ends. A stop becomes <see cref="PipelineStoppedException"/>.
    /// </summary>
    internal T RunOperation<T>(string activity, Func<IOperationReporter, CancellationToken, Task<T>> work)
    {
        using var pump = new PipelineMessagePump(Math.Abs(GetHashCode() % 100000) + 1, activity);

        // SIGTERM/SIGHUP of the host cancels this work like Ctrl+C does, and waits for its cleanup.
        using var shutdown = Tools.HostShutdown.Enter(_stopping);
        var task = Task.Run(() => work(pump, StopToken));
        _ = task.ContinueWith(_ => pump.Wake(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            while (!task.IsCompleted)
            {
                pump.Drain(this, TimeSpan.FromMilliseconds(250));
            }

            pump.Complete(this);
        }
        finally
        {
            // Once the pipeline is stopping, any Write* throws PipelineStoppedException. The work
            // is cancelled then, but must finish its cleanup (kill the tool, remove temporary
            // files) before this cmdlet returns, or Ctrl+C would leave debris behind.
            if (!task.IsCompleted)
            {
                _stopping.Cancel();
                ((IAsyncResult)task).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(60));
            }
        }

        try
        {
            return task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>The ErrorRecord for a known failure: its id, category and target.</summary>
    internal static ErrorRecord ToErrorRecord(HydraException exception)
    {
        var record = new ErrorRecord(exception, exception.ErrorId, exception.Category, exception.Target);
        if (!string.IsNullOrEmpty(exception.ToolOutput))
        {
            record.ErrorDetails = new ErrorDetails(exception.Message)
            {
                RecommendedAction = "The tool's last stderr lines are in $error[0].Exception.ToolOutput.",
            };
        }

        return record;
    }

    /// <summary>
    /// A failure the module did not foresee, for this input only: reported with the cmdlet's own
    /// id and the object acted on, instead of tearing down the whole pipeline.
    /// </summary>
    internal void WriteUnexpectedError(Exception exception, HydraError error, object? target) =>
        WriteError(error.ToRecord(exception, target));

    /// <summary>A failure for this input only: the pipeline goes on with the next.</summary>
    internal void WriteHydraError(HydraException exception) => WriteError(ToErrorRecord(exception));
}
