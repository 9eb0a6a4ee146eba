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

    /// <summary>
    /// Starts a script, calls <paramref name="whileRunning"/> (which decides when to stop it),
    /// then presses Ctrl+C — the engine's Stop(), which runs StopProcessing — and returns what
    /// the pipeline produced and whether it ended stopped.
    /// </summary>
    public (PipelineResult Result, bool Stopped) RunAndStop(string script, Func<bool> stopWhen, TimeSpan timeout, params object?[] arguments)
    {
        using var ps = Create(script, arguments);
        var output = new PSDataCollection<PSObject>();
        var handle = ps.BeginInvoke<PSObject, PSObject>(null, output);
        var deadline = DateTime.UtcNow + timeout;
        while (!handle.IsCompleted && !stopWhen() && DateTime.UtcNow < deadline)
        {
            System.Threading.Thread.Sleep(20);
        }

        var stopped = false;
        if (!handle.IsCompleted)
        {
            var stop = Task.Run(() => ps.Stop());
            if (!stop.Wait(TimeSpan.FromSeconds(30)))
            {
                throw new TimeoutException("The pipeline did not stop within 30 s of Ctrl+C.");
            }

            stopped = ps.InvocationStateInfo.State == PSInvocationState.Stopped;
        }

        try
        {
            ps.EndInvoke(handle);
        }
        catch (PipelineStoppedException)
        {
            stopped = true;
        }

        return (Collect(ps, output.ToList()), stopped);
    }

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

    private static PipelineResult Collect(PowerShell ps, IEnumerable<PSObject> output) => new()
    {
        Output = output.Where(o => o is not null).ToList(),
        Errors = ps.Streams.Error.ToList(),
        Verbose = ps.Streams.Verbose.Select(v => v.Message).ToList(),
        Warnings = ps.Streams.Warning.Select(w => w.Message).ToList(),
        Progress = ps.Streams.Progress.ToList(),
    };
}
