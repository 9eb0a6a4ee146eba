using System;
using System.Threading;

namespace HydraMigration.Ssh;

/// <summary>
/// Keeps a thread-pool thread free for each forwarded SSH channel that holds one.
/// </summary>
/// <remarks>
/// SSH.NET serves a forwarded connection on the thread-pool thread that completed its accept,
/// blocking it for the connection's life (ChannelDirectTcpip.Bind). On a 2-core machine the
/// pool starts with 2 threads and adds one about every half second when starved, so the
/// connections of pg_dump -j 8 waited for threads: measured, the first -Jobs 8 dump through a
/// tunnel took 8.4 s, 2.2 s with the pool's minimum raised, later ones 0.9-1.7 s either way.
/// The pool is the process's, so its minimum is only ever raised, to what the open channels
/// need on top of the processor count, never lowered under anyone else's setting.
/// </remarks>
internal static class ChannelThreadHeadroom
{
    private const int MaxWorkers = 512;

    // Forwarded channels open in this process, over every tunnel: the pool they share is the process's too.
    private static int s_open;

    /// <summary>One more channel holds a pool thread; dispose the result when it ends.</summary>
    public static IDisposable Hold()
    {
        var open = Interlocked.Increment(ref s_open);
        var wanted = Math.Min(MaxWorkers, Environment.ProcessorCount + open + 1);
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        if (workers < wanted)
        {
            ThreadPool.SetMinThreads(wanted, completionPorts);
        }

        return new Release();
    }

    private sealed class Release : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                Interlocked.Decrement(ref s_open);
            }
        }
    }
}
