using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace HydraMigration.Tools;

/// <summary>
/// Reads a tool's stderr line by line on a thread of its own, blocking, until the pipe ends.
/// </summary>
/// <remarks>
/// pg_dump --verbose writes a line per table, in several small writes each (5,002 lines on a
/// database of 5,000 tables). Process.BeginErrorReadLine hands every read to the thread pool:
/// an event-loop wake-up, a work item and a pool thread spinning for more work, per write. That
/// spinning took CPU from pg_dump and its server on the same two cores while they ran. A
/// blocking read on one thread wakes once per read and takes whatever has arrived by then.
/// </remarks>
internal sealed class StandardErrorReader
{
    private readonly Thread _thread;
    private ExceptionDispatchInfo? _failure;

    private StandardErrorReader(Process process, string toolName, Action<string> onLine)
    {
        // Taken here, on the caller's thread: a process disposed before the new thread first
        // runs would make this throw there, unhandled.
        var stderr = process.StandardError;
        _thread = new Thread(() => Read(stderr, onLine))
        {
            IsBackground = true,
            Name = "hydra: " + toolName + " stderr",
        };
    }

    /// <summary>Starts reading <paramref name="process"/>'s (started, redirected) stderr, passing each line to <paramref name="onLine"/>.</summary>
    public static StandardErrorReader Start(Process process, string toolName, Action<string> onLine)
    {
        var reader = new StandardErrorReader(process, toolName, onLine);
        reader._thread.Start();
        return reader;
    }

    /// <summary>Waits until the pipe has ended (every holder of its write end has closed it) and every line was passed on; rethrows what the line handler threw.</summary>
    public void WaitForEnd()
    {
        _thread.Join();
        _failure?.Throw();
    }

    private void Read(StreamReader stderr, Action<string> onLine)
    {
        try
        {
            string? line;
            while ((line = stderr.ReadLine()) is not null)
            {
                if (_failure is not null)
                {
                    continue; // still drained, so the tool never blocks on a full pipe
                }

                try
                {
                    onLine(line);
                }
                catch (Exception ex)
                {
                    // Not an unhandled exception on this thread, which would end the session's process.
                    _failure = ExceptionDispatchInfo.Capture(ex);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The pipe broke or was closed: it has ended for us.
        }
        catch (Exception ex)
        {
            // Nothing escapes this thread: an unhandled exception here would end the session's process.
            _failure ??= ExceptionDispatchInfo.Capture(ex);
        }
        finally
        {
            // Read by us, the pipe is no longer closed by Process.Dispose.
            stderr.Dispose();
        }
    }
}
