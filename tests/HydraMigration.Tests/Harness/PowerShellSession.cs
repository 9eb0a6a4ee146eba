using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Threading.Tasks;

namespace HydraMigration.Tests.Harness;

/// <summary>What one pipeline produced.</summary>
public sealed class PipelineResult
{
    public required IReadOnlyList<PSObject> Output { get; init; }

    public required IReadOnlyList<ErrorRecord> Errors { get; init; }

    public required IReadOnlyList<string> Verbose { get; init; }

    public required IReadOnlyList<string> Warnings { get; init; }

    public required IReadOnlyList<ProgressRecord> Progress { get; init; }

    /// <summary>The error ids, e.g. "PgDumpFailed,HydraMigration.Commands.NewHydraDumpCommand".</summary>
    public IEnumerable<string> ErrorIds => Errors.Select(e => e.FullyQualifiedErrorId);

    public T Single<T>() => (T)Assert.Single(Output).BaseObject;

    /// <summary>Every text the run produced (for secret scans).</summary>
    public string AllText() => string.Join("\n", Output.Select(o => o?.ToString())
        .Concat(Errors.Select(e => e + " " + e.Exception + " " + e.ErrorDetails?.Message + " " + PSObject.AsPSObject(e.Exception).Properties["ToolOutput"]?.Value))
        .Concat(Verbose).Concat(Warnings)
        .Concat(Progress.Select(p => p.StatusDescription + " " + p.CurrentOperation)));
}

/// <summary>
/// A real PowerShell 7 runspace with the packaged module imported by its manifest — the
/// manifest, format file, help file and dependency loading are exercised as users meet them.
/// </summary>
public sealed class PowerShellSession : IDisposable
{
    private readonly Runspace _runspace;

    public PowerShellSession()
    {
        Host = new CapturingHost();
        var state = InitialSessionState.CreateDefault2();
        _runspace = RunspaceFactory.CreateRunspace(Host, state);
        _runspace.Open();
        var import = Run("Import-Module $args[0] -ErrorAction Stop -PassThru", Repository.ModuleManifest);
        if (import.Errors.Count > 0)
        {
            throw new InvalidOperationException("Import-Module failed: " + import.Errors[0]);
        }
    }

    public CapturingHost Host { get; }

    /// <summary>Runs a script with $args set to <paramref name="arguments"/>; errors are collected, not thrown.</summary>
    public PipelineResult Run(string script, params object?[] arguments)
    {
        using var ps = Create(script, arguments);
        var output = ps.Invoke();
        return Collect(ps, output);
    }

    /// <summary>Sets a variable in the session.</summary>
    public void Set(string name, object? value) => _runspace.SessionStateProxy.SetVariable(name, value);

    public object? Get(string name) => _runspace.SessionStateProxy.GetVariable(name);

    /// <summary>Starts a script without waiting, so a test can watch it run and press Ctrl+C.</summary>
    public RunningPipeline Start(string script, params object?[] arguments) => new(Create(script, arguments));

    public void Dispose() => _runspace.Dispose();

    private PowerShell Create(string script, object?[] arguments)
    {
        var ps = PowerShell.Create();
        ps.Runspace = _runspace;
        ps.AddScript(script);
        foreach (var argument in arguments)
        {
            ps.AddArgument(argument);
        }

        return ps;
    }

    internal static PipelineResult Collect(PowerShell ps, IEnumerable<PSObject> output) => new()
    {
        Output = output.Where(o => o is not null).ToList(),
        Errors = ps.Streams.Error.ToList(),
        Verbose = ps.Streams.Verbose.Select(v => v.Message).ToList(),
        Warnings = ps.Streams.Warning.Select(w => w.Message).ToList(),
        Progress = ps.Streams.Progress.ToList(),
    };
}

/// <summary>A pipeline running in the background of a <see cref="PowerShellSession"/>.</summary>
public sealed class RunningPipeline : IDisposable
{
    private readonly PowerShell _ps;
    private readonly PSDataCollection<PSObject> _output = new();
    private readonly IAsyncResult _handle;

    internal RunningPipeline(PowerShell ps)
    {
        _ps = ps;
        _handle = ps.BeginInvoke<PSObject, PSObject>(null, _output);
    }

    public bool IsCompleted => _handle.IsCompleted;

    /// <summary>Verbose messages so far.</summary>
    public IReadOnlyList<string> Verbose => _ps.Streams.Verbose.Select(v => v.Message).ToList();

    /// <summary>Polls until <paramref name="condition"/> holds or the pipeline ends; false on timeout.</summary>
    public bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (IsCompleted || DateTime.UtcNow > deadline)
            {
                return false;
            }

            System.Threading.Thread.Sleep(20);
        }

        return true;
    }

    /// <summary>Ctrl+C: the engine's Stop(), which calls StopProcessing. Returns how long stopping took.</summary>
    public TimeSpan Stop()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var stop = Task.Run(() => _ps.Stop());
        if (!stop.Wait(TimeSpan.FromSeconds(60)))
        {
            throw new TimeoutException("The pipeline did not stop within 60 s of Ctrl+C.");
        }

        return clock.Elapsed;
    }

    public bool WasStopped => _ps.InvocationStateInfo.State == PSInvocationState.Stopped;

    /// <summary>Waits for the end and returns what the pipeline produced.</summary>
    public PipelineResult Wait()
    {
        try
        {
            _ps.EndInvoke(_handle);
        }
        catch (PipelineStoppedException)
        {
        }

        return PowerShellSession.Collect(_ps, _output.ToList());
    }

    public void Dispose()
    {
        _ps.Dispose();
        _output.Dispose();
    }
}
