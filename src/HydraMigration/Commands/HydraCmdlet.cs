using System;
using System.Collections.Generic;
using System.Linq;
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
    /// Whether WriteVerbose would show anything: -Verbose (or -Verbose:$false) as bound, else
    /// $VerbosePreference. A service's verbose chatter (pg_dump --verbose gives lines by the
    /// thousand on a database of many tables) is then not even queued when nobody sees it.
    /// </summary>
    private bool VerboseShown()
    {
        if (MyInvocation.BoundParameters.TryGetValue("Verbose", out var bound))
        {
            return LanguagePrimitives.IsTrue(bound);
        }

        return !LanguagePrimitives.TryConvertTo<ActionPreference>(GetVariableValue("VerbosePreference"), out var preference)
            || preference is not (ActionPreference.SilentlyContinue or ActionPreference.Ignore);
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the thread pool and pumps its messages on this thread
    /// until it ends. A stop becomes <see cref="PipelineStoppedException"/>.
    /// </summary>
    internal T RunOperation<T>(string activity, Func<IOperationReporter, CancellationToken, Task<T>> work)
    {
        using var pump = new PipelineMessagePump(Math.Abs(GetHashCode() % 100000) + 1, activity, VerboseShown());

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

    /// <summary>
    /// Runs <paramref name="work"/> for every item, at most <paramref name="throttleLimit"/> at
    /// once on the thread pool, each with a message pump (and progress bar) of its own, while
    /// this thread drains them all; <paramref name="done"/> runs here, on the pipeline thread, as
    /// each item ends, with its result or its failure. A stop cancels all and waits for their
    /// cleanup, then becomes <see cref="PipelineStoppedException"/>.
    /// </summary>
    internal void RunOperations<TItem, TResult>(IReadOnlyList<TItem> items, int throttleLimit, Func<TItem, string> activity, Func<TItem, IOperationReporter, CancellationToken, Task<TResult>> work, Action<TItem, TResult?, Exception?> done)
    {
        var firstId = Math.Abs(GetHashCode() % 100000) + 1;
        var verbose = VerboseShown();
        var pumps = items.Select((item, i) => new PipelineMessagePump(firstId + i, activity(item), verbose)).ToList();
        using var shutdown = Tools.HostShutdown.Enter(_stopping);
        using var gate = new SemaphoreSlim(Math.Max(1, throttleLimit));
        using var wake = new SemaphoreSlim(0);
        var tasks = items.Select((item, i) => Task.Run(async () =>
        {
            await gate.WaitAsync(StopToken).ConfigureAwait(false);
            try
            {
                return await work(item, pumps[i], StopToken).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        })).ToList();
        foreach (var task in tasks)
        {
            _ = task.ContinueWith(_ => SafeRelease(wake), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        var reported = new bool[items.Count];
        try
        {
            while (reported.Any(r => !r))
            {
                foreach (var pump in pumps)
                {
                    pump.Drain(this, TimeSpan.Zero);
                }

                for (var i = 0; i < tasks.Count; i++)
                {
                    if (reported[i] || !tasks[i].IsCompleted)
                    {
                        continue;
                    }

                    reported[i] = true;
                    pumps[i].Complete(this);
                    if (tasks[i].IsCanceled || (tasks[i].Exception?.InnerException is OperationCanceledException && StopToken.IsCancellationRequested))
                    {
                        throw new PipelineStoppedException();
                    }

                    done(items[i], tasks[i].Status == TaskStatus.RanToCompletion ? tasks[i].Result : default, tasks[i].Exception?.InnerException);
                }

                // Only while some are still running: a wait after the last one ended would cost every call 100 ms.
                if (reported.Any(r => !r))
                {
                    wake.Wait(TimeSpan.FromMilliseconds(100));
                }
            }
        }
        finally
        {
            if (tasks.Any(t => !t.IsCompleted))
            {
                _stopping.Cancel();
                Task.WaitAny(Task.WhenAll(tasks), Task.Delay(TimeSpan.FromSeconds(60)));
            }

            foreach (var pump in pumps)
            {
                pump.Dispose();
            }
        }
    }

    private static void SafeRelease(SemaphoreSlim semaphore)
    {
        try
        {
            semaphore.Release();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// Request → plan → execute, the same for every cmdlet that changes something: ShouldProcess
    /// asks about the plan's own target and action (what -WhatIf prints and -Confirm asks), and
    /// only then does the engine carry the plan out, its messages pumped like any operation's.
    /// A plan that changes nothing runs without asking. False when the user said no (or -WhatIf).
    /// On a cmdlet without -WhatIf (New-HydraSshSession) ShouldProcess says yes and -Verbose shows the action.
    /// </summary>
    internal bool Execute<T>(IOperationPlan<T> plan, string activity, Action<T> write)
    {
        WriteVerbose("Plan for " + plan.Target + ": " + string.Join("; then ", plan.Steps));
        if (plan.Action is not null && !ShouldProcess(plan.Target, plan.Action))
        {
            return false;
        }

        write(RunOperation(activity, plan.ExecuteAsync));
        return true;
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
