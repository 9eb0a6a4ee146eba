using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;

namespace HydraMigration.Tests.Harness;

/// <summary>
/// A real <c>pwsh</c> process — the PowerShell 7.6.9 .NET tool — for what the engine hosted in
/// xUnit cannot show: signals to the host process, Pester, parallel runspaces, a fresh import.
/// The tool is found at <c>$HYDRA_TEST_PWSH</c>, else in the repository's <c>.tools/pwsh</c>
/// (which <c>.ci/run</c> fills); when neither has it, it is installed there on first use, so a
/// plain <c>dotnet test</c> works on a machine that reaches NuGet.
/// </summary>
public static class Pwsh
{
    public const string Version = "7.6.9";

    private static readonly Lazy<string> Executable = new(FindOrInstall, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The pwsh executable.</summary>
    public static string Path => Executable.Value;

    /// <summary>Where the repository keeps tools it installs for itself (git-ignored).</summary>
    public static string ToolsFolder => System.IO.Path.Combine(Repository.Root, ".tools");

    /// <summary>
    /// Starts <paramref name="script"/> in a fresh pwsh (no profile, non-interactive) with
    /// <c>$env:HYDRA_MODULE</c> set to the packaged module's manifest; the script imports it itself
    /// (<c>Import-Module $env:HYDRA_MODULE</c>) so tests can also show other ways of importing.
    /// </summary>
    public static PwshProcess Start(string script, IDictionary<string, string>? environment = null)
    {
        var folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "pwsh-script-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        var file = System.IO.Path.Combine(folder, "script.ps1");
        File.WriteAllText(file, script, new UTF8Encoding(false));
        // Through env(1), which puts back the default action of the signals the tests send
        // before it becomes pwsh (same process): a test run started under nohup, or in the
        // background of a non-interactive shell, would otherwise hand pwsh HUP or INT ignored.
        var info = new ProcessStartInfo("env")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in new[] { "--default-signal=HUP,INT,TERM", Path, "-NoLogo", "-NoProfile", "-NonInteractive", "-File", file })
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["HYDRA_MODULE"] = Repository.ModuleManifest;
        info.Environment["POWERSHELL_TELEMETRY_OPTOUT"] = "1";
        info.Environment["POWERSHELL_UPDATECHECK"] = "Off";
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
        }

        return new PwshProcess(Process.Start(info)!, folder);
    }

    /// <summary>Runs <paramref name="script"/> to the end (see <see cref="Start"/>); throws on a timeout.</summary>
    public static PwshResult Run(string script, IDictionary<string, string>? environment = null, int timeoutSeconds = 300)
    {
        using var process = Start(script, environment);
        if (!process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            process.Kill();
            throw new TimeoutException("pwsh did not finish in " + timeoutSeconds + " s:\n" + process.Output);
        }

        return new PwshResult(process.ExitCode, process.Output, process.Errors);
    }

    private static string FindOrInstall()
    {
        var configured = Environment.GetEnvironmentVariable("HYDRA_TEST_PWSH");
        if (!string.IsNullOrEmpty(configured))
        {
            return File.Exists(configured) ? configured : throw new InvalidOperationException("HYDRA_TEST_PWSH names " + configured + ", which does not exist.");
        }

        var folder = System.IO.Path.Combine(ToolsFolder, "pwsh");
        var executable = System.IO.Path.Combine(folder, OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh");
        Directory.CreateDirectory(ToolsFolder);

        // Test processes side by side (two worktrees, or dotnet test beside .ci/run) install once.
        using var installLock = new FileStream(System.IO.Path.Combine(ToolsFolder, "pwsh.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        if (!File.Exists(executable))
        {
            ExternalCommand.Run("dotnet", new[] { "tool", "install", "PowerShell", "--version", Version, "--tool-path", folder }, timeoutSeconds: 600);
        }

        return executable;
    }
}

/// <summary>What a finished pwsh run printed.</summary>
public sealed record PwshResult(int ExitCode, string Output, string Errors);

/// <summary>A running pwsh: its output as it arrives, signals, and its end.</summary>
public sealed class PwshProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _folder;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _errors = new();

    internal PwshProcess(Process process, string folder)
    {
        _process = process;
        _folder = folder;
        process.OutputDataReceived += (_, e) => Append(_output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(_errors, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Standard output so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Standard error so far.</summary>
    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    /// <summary>Waits until a line of standard output contains <paramref name="text"/>.</summary>
    public bool WaitForOutput(string text, TimeSpan timeout) =>
        Poll.Until(() => Output.Contains(text, StringComparison.Ordinal) || _process.HasExited, timeout) && Output.Contains(text, StringComparison.Ordinal);

    /// <summary>
    /// The process that runs PowerShell. The .NET tool's <c>pwsh</c> launcher starts it as a child
    /// (<c>dotnet …/pwsh.dll</c>) and outlives nothing: a signal meant for PowerShell goes there.
    /// </summary>
    public int EngineId
    {
        get
        {
            var children = ExternalCommand.Run("pgrep", new[] { "-P", Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, check: false)
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var child in children)
            {
                try
                {
                    if (File.ReadAllText("/proc/" + child + "/cmdline").Contains("pwsh.dll", StringComparison.Ordinal))
                    {
                        return int.Parse(child, System.Globalization.CultureInfo.InvariantCulture);
                    }
                }
                catch (IOException)
                {
                    // gone meanwhile
                }
            }

            return Id;
        }
    }

    /// <summary>Sends a signal (TERM, HUP, INT, KILL) to the PowerShell process itself, as a service manager or a closing terminal would.</summary>
    public void Signal(string name) => ExternalCommand.Run("kill", new[] { "-s", name, EngineId.ToString(System.Globalization.CultureInfo.InvariantCulture) }, check: false);

    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit((int)timeout.TotalMilliseconds))
        {
            return false;
        }

        _process.WaitForExit(); // drains the output streams
        return true;
    }

    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void Append(StringBuilder buffer, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (buffer)
        {
            buffer.Append(line).Append('\n');
        }
    }
}
