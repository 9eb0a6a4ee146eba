using System.Threading;
using System.Threading.Tasks;

namespace HydraMigration;

/// <summary>Awaiting work that cannot itself be cancelled (netstandard2.0 has no Task.WaitAsync).</summary>
internal static class TaskWaits
{
    /// <summary>
    /// Completes with <paramref name="task"/>, or throws OperationCanceledException as soon as
    /// <paramref name="cancellationToken"/> is cancelled; the task itself runs on.
    /// </summary>
    public static async Task WaitAsync(Task task, CancellationToken cancellationToken)
    {
        var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using (cancellationToken.Register(() => cancelled.TrySetCanceled(cancellationToken)))
        {
            await (await Task.WhenAny(task, cancelled.Task).ConfigureAwait(false)).ConfigureAwait(false);
        }
    }
}
