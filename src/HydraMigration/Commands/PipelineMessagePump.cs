using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Management.Automation;
using System.Threading;
using HydraMigration.Infrastructure;

namespace HydraMigration.Commands;

/// <summary>
/// The bridge between a service working on other threads and the cmdlet's pipeline thread:
/// services report into a queue, and the pipeline thread drains it into WriteVerbose,
/// WriteWarning and (throttled) WriteProgress. Nothing here calls the cmdlet from a worker.
/// </summary>
internal sealed class PipelineMessagePump : IOperationReporter, IDisposable
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    private readonly BlockingCollection<object> _messages = new();
    private readonly Stopwatch _sinceProgress = new();
    private readonly int _activityId;
    private readonly string _activity;
    private readonly bool _verboseShown;
    private OperationProgress? _newestProgress;
    private int _progressWoken;
    private bool _progressShown;

    /// <param name="activityId">The progress bar's id.</param>
    /// <param name="activity">The progress bar's title.</param>
    /// <param name="verboseShown">Whether the cmdlet's verbose messages are shown; when not, they are dropped here instead of queued.</param>
    public PipelineMessagePump(int activityId, string activity, bool verboseShown)
    {
        _activityId = activityId;
        _activity = activity;
        _verboseShown = verboseShown;
    }

    public void Verbose(string message)
    {
        if (_verboseShown)
        {
            Post(new VerboseMessage(message));
        }
    }

    public void Warning(string message) => Post(new WarningMessage(message));

    /// <summary>
    /// Keeps the newest progress, without waking the pipeline thread: a service may report
    /// thousands of times a second (pg_dump's line per table), only the newest state is ever
    /// shown, and <see cref="Drain"/> shows it when it is due. A wake per report cost a dump of
    /// 5,000 tables thousands of thread switches on the cores pg_dump needs.
    /// </summary>
    public void Progress(OperationProgress progress)
    {
        Volatile.Write(ref _newestProgress, progress);

        // The first one only wakes it, so a progress bar appears at once, even for short work.
        if (Interlocked.Exchange(ref _progressWoken, 1) == 0)
        {
            Post(WakeMessage.Instance);
        }
    }

    /// <summary>Wakes a waiting <see cref="Drain"/> at once (when the work ends), instead of at its timeout.</summary>
    public void Wake() => Post(WakeMessage.Instance);

    /// <summary>Writes what has arrived, waiting up to <paramref name="wait"/> for the first message. Pipeline thread only.</summary>
    public void Drain(Cmdlet cmdlet, TimeSpan wait)
    {
        if (_messages.TryTake(out var message, wait))
        {
            do
            {
                Write(cmdlet, message);
            }
            while (_messages.TryTake(out message));
        }

        FlushProgress(cmdlet);
    }

    /// <summary>Writes the last progress state and closes the progress bar. Pipeline thread only.</summary>
    public void Complete(Cmdlet cmdlet)
    {
        while (_messages.TryTake(out var message))
        {
            Write(cmdlet, message);
        }

        FlushProgress(cmdlet, force: true); // the last state, however soon after the one before
        if (_progressShown)
        {
            cmdlet.WriteProgress(new ProgressRecord(_activityId, _activity, "Done") { RecordType = ProgressRecordType.Completed, PercentComplete = 100 });
        }
    }

    public void Dispose() => _messages.Dispose();

    /// <summary>Queues a message; one that arrives after the cmdlet finished has nowhere to go and is dropped.</summary>
    private void Post(object message)
    {
        try
        {
            _messages.Add(message);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static void Write(Cmdlet cmdlet, object message)
    {
        switch (message)
        {
            case VerboseMessage verbose:
                cmdlet.WriteVerbose(verbose.Text);
                break;
            case WarningMessage warning:
                cmdlet.WriteWarning(warning.Text);
                break;
        }
    }

    /// <summary>At most four progress records a second: a host redraws on each one.</summary>
    private void FlushProgress(Cmdlet cmdlet, bool force = false)
    {
        if (!force && _sinceProgress.IsRunning && _sinceProgress.Elapsed < ProgressInterval)
        {
            return;
        }

        if (Interlocked.Exchange(ref _newestProgress, null) is not { } progress)
        {
            return;
        }

        // A new record each time: hosts and progress streams keep the objects they are given.
        cmdlet.WriteProgress(new ProgressRecord(_activityId, _activity, progress.Status)
        {
            PercentComplete = progress.PercentComplete,
            CurrentOperation = progress.CurrentOperation,
            SecondsRemaining = progress.Remaining is { } left ? (int)Math.Min(int.MaxValue, left.TotalSeconds) : -1,
        });
        _progressShown = true;
        _sinceProgress.Restart();
    }

    private sealed class WakeMessage
    {
        public static readonly WakeMessage Instance = new();
    }

    private sealed class VerboseMessage
    {
        public VerboseMessage(string text) => Text = text;

        public string Text { get; }
    }

    private sealed class WarningMessage
    {
        public WarningMessage(string text) => Text = text;

        public string Text { get; }
    }
}
