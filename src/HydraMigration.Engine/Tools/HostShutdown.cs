using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Reflection;
using System.Threading;

namespace HydraMigration.Tools;

/// <summary>
/// When the host process is told to go — SIGTERM from a service manager or a runbook's timeout,
/// SIGHUP from a closing terminal, or the runtime exiting — every running operation is cancelled
/// exactly as Ctrl+C cancels it (its child tools are killed, its private folders removed, its
/// partial files discarded), and the process waits for that cleanup, for at most
/// <see cref="CleanupTimeout"/>, before it goes.
/// </summary>
/// <remarks>
/// The list of running operations is process-wide on purpose: a signal ends every runspace's
/// work at once. It is guarded by a lock and holds only operations that are running now.
/// PosixSignalRegistration (.NET 6+) is bound by reflection because the module targets
/// netstandard2.0; where it is missing (Windows PowerShell 5.1) only ProcessExit is used. On
/// Windows nothing is installed: closing a console ends the process tree as before, and Ctrl+C
/// is PowerShell's own StopProcessing.
/// </remarks>
internal static class HostShutdown
{
    /// <summary>How long a signalled process waits for its operations' cleanup before it goes anyway.</summary>
    public static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(15);

    private static readonly object Gate = new();
    private static readonly HashSet<Operation> Running = new();

    // The registrations unregister themselves when collected: they live as long as the process.
    private static readonly List<object> Registrations = new();
    private static bool _installed;
    private static bool _exiting;

    /// <summary>
    /// Cancels <paramref name="stop"/> when the host is told to go; dispose the result once the
    /// operation has finished its cleanup, which is what a signalled host waits for.
    /// </summary>
    public static IDisposable Enter(CancellationTokenSource stop)
    {
        InstallOnce();
        var operation = new Operation(stop);
        lock (Gate)
        {
            Running.Add(operation);
        }

        return operation;
    }

    /// <summary>Cancels every running operation and waits, bounded, until each has cleaned up.</summary>
    internal static void CancelAllAndWait()
    {
        List<Operation> running;
        lock (Gate)
        {
            running = new List<Operation>(Running);
        }

        foreach (var operation in running)
        {
            operation.Cancel();
        }

        var clock = Stopwatch.StartNew();
        foreach (var operation in running)
        {
            var left = CleanupTimeout - clock.Elapsed;
            if (left <= TimeSpan.Zero || !operation.WaitFinished(left))
            {
                return;
            }
        }
    }

    private static void InstallOnce()
    {
        if (FilePermissions.IsWindows)
        {
            return;
        }

        lock (Gate)
        {
            if (_installed)
            {
                return;
            }

            _installed = true;
            AppDomain.CurrentDomain.ProcessExit += (_, _) => CancelAllAndWait();
            foreach (var signal in new[] { "SIGTERM", "SIGHUP" })
            {
                if (TryRegister(signal) is { } registration)
                {
                    Registrations.Add(registration);
                }
            }
        }
    }

    /// <summary>
    /// PosixSignalRegistration.Create(signal, handler), when this runtime has it.
    /// </summary>
    private static object? TryRegister(string signalName)
    {
        var registrationType = Type.GetType("System.Runtime.InteropServices.PosixSignalRegistration, System.Runtime.InteropServices", throwOnError: false);
        var signalType = Type.GetType("System.Runtime.InteropServices.PosixSignal, System.Runtime.InteropServices", throwOnError: false);
        var contextType = Type.GetType("System.Runtime.InteropServices.PosixSignalContext, System.Runtime.InteropServices", throwOnError: false);
        if (registrationType is null || signalType is null || contextType is null)
        {
            return null;
        }

        var create = registrationType.GetMethod("Create", BindingFlags.Public | BindingFlags.Static, null, new[] { signalType, typeof(Action<>).MakeGenericType(contextType) }, null);
        var onSignal = typeof(HostShutdown).GetMethod(nameof(OnSignal), BindingFlags.NonPublic | BindingFlags.Static);
        if (create is null || onSignal is null)
        {
            return null;
        }

        try
        {
            // Action<PosixSignalContext> bound to OnSignal(object): a delegate's reference-type
            // parameter may be bound to a method taking a base type.
            var handler = Delegate.CreateDelegate(typeof(Action<>).MakeGenericType(contextType), onSignal);
            return create.Invoke(null, new[] { Enum.Parse(signalType, signalName), handler });
        }
        catch (TargetInvocationException)
        {
            return null; // this platform does not support the signal
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// Runs on the runtime's signal thread, which also reaps child processes: waiting here for a
    /// cleanup that waits for a child to exit would never end. So the default action is held
    /// back (Cancel = true), the cleanup runs on a thread of its own, and that thread ends the
    /// process afterwards with the status the signal would have given (128 + its number).
    /// </summary>
    private static void OnSignal(object context)
    {
        var type = context.GetType();
        type.GetProperty("Cancel")?.SetValue(context, true);
        var signal = type.GetProperty("Signal")?.GetValue(context)?.ToString();
        var status = signal == "SIGHUP" ? 128 + 1 : 128 + 15;
        lock (Gate)
        {
            if (_exiting)
            {
                return;
            }

            _exiting = true;
        }

        new Thread(() =>
        {
            CancelAllAndWait();
            Environment.Exit(status);
        })
        { IsBackground = true, Name = "HydraMigration shutdown" }.Start();
    }

    private sealed class Operation : IDisposable
    {
        private readonly CancellationTokenSource _stop;
        private readonly ManualResetEventSlim _finished = new();

        public Operation(CancellationTokenSource stop) => _stop = stop;

        public void Cancel()
        {
            try
            {
                _stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Finished meanwhile.
            }
            catch (AggregateException)
            {
                // A callback failed; the operation still ends.
            }
        }

        public bool WaitFinished(TimeSpan timeout) => _finished.Wait(timeout);

        public void Dispose()
        {
            lock (Gate)
            {
                Running.Remove(this);
            }

            // Not disposed: a signal thread may still be waiting on it; it holds no handle until waited on.
            _finished.Set();
        }
    }
}
