using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace HydraMigration.Tools;

/// <summary>What a finished tool run left behind.</summary>
internal sealed class ToolResult
{
    public ToolResult(int exitCode, string standardOutput, string standardError)
    {
        ExitCode = exitCode;
        StandardOutput = standardOutput;
        StandardError = standardError;
    }

    public int ExitCode { get; }

    public string StandardOutput { get; }

    /// <summary>The tool's stderr (its last lines when it wrote a great deal).</summary>
    public string StandardError { get; }
}

/// <summary>
/// Runs a PostgreSQL client program: arguments quoted exactly, environment set per call, no
/// console input (it must never wait for a prompt), stderr passed on line by line as it
/// arrives. Cancelling kills the program and its workers and waits for them to go. This is the
/// one place the module starts child tools.
/// </summary>
/// <remarks>
/// On Linux and macOS the program runs under <see cref="ChildGuard"/>: if this process dies
/// without cleaning up (SIGKILL, a crash), the guard sees its input pipe close, stops the
/// program's process group and removes the private folder holding its passfile, and the
/// unfinished output it names. On Windows the program is started directly, as before.
/// </remarks>
internal static class ToolProcess
{
    private const int StderrLinesKept = 200;

    /// <summary>The POSIX shell that runs <see cref="ChildGuard"/>.</summary>
    private const string Shell = "/bin/sh";

    private static readonly MethodInfo? KillTree = typeof(Process).GetMethod("Kill", new[] { typeof(bool) });

    public static async Task<ToolResult> RunAsync(
        string fileName,
        IReadOnlyList<string> arguments,
        IDictionary<string, string?> environment,
        Action<string>? onStandardErrorLine,
        CancellationToken cancellationToken,
        string? outputIfAbandoned = null,
        Func<System.IO.Stream, Task>? readStandardOutput = null)
    {
        // The guard's input is a pipe this process holds open for the program's lifetime.
        var guarded = !FilePermissions.IsWindows && System.IO.File.Exists(Shell);
        var startInfo = new ProcessStartInfo(
            guarded ? Shell : fileName,
            CommandLine.Join(guarded ? ChildGuard.LocalArguments(fileName, arguments, SecretFolderOf(environment), outputIfAbandoned ?? string.Empty) : arguments))
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var variable in environment)
        {
            if (variable.Value is null)
            {
                startInfo.Environment.Remove(variable.Key);
            }
            else
            {
                startInfo.Environment[variable.Key] = variable.Value;
            }
        }

        var stdout = new StringBuilder();
        var stderr = new Queue<string>();
        using var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var exited = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.Exited += (_, _) => exited.TrySetResult(true);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stdout)
                {
                    stdout.Append(e.Data).Append('\n');
                }
            }
        };
        void OnErrorLine(string line)
        {
            lock (stderr)
            {
                stderr.Enqueue(line);
                if (stderr.Count > StderrLinesKept)
                {
                    stderr.Dequeue();
                }
            }

            onStandardErrorLine?.Invoke(line);
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (guarded && !System.IO.File.Exists(fileName))
        {
            throw new HydraException(HydraErrors.PgToolStartFailed, fileName + " could not be started: it does not exist.", fileName);
        }

        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new HydraException(HydraErrors.PgToolStartFailed.As(System.Management.Automation.ErrorCategory.PermissionDenied), fileName + " could not be started: " + ex.Message, fileName, ex);
        }

        if (!guarded)
        {
            process.StandardInput.Close();
        }

        // The program's output as bytes, for a reader that streams it (pg_restore's COPY rows), or as text.
        var reading = readStandardOutput is null ? Task.CompletedTask : Task.Run(() => readStandardOutput(process.StandardOutput.BaseStream));
        if (readStandardOutput is null)
        {
            process.BeginOutputReadLine();
        }

        // If this method leaves by an exception (the output's reader failed), the program is
        // killed and the reader runs on to the pipe's end by itself, still passing lines on.
        var errorLines = StandardErrorReader.Start(process, System.IO.Path.GetFileName(fileName), OnErrorLine);

        using (cancellationToken.Register(() => Kill(process)))
        {
            try
            {
                await reading.ConfigureAwait(false);
            }
            catch
            {
                // The reader gave up: the program must not block on a pipe nobody empties.
                Kill(process);
                await exited.Task.ConfigureAwait(false);
                throw;
            }

            await exited.Task.ConfigureAwait(false);
        }

        // Exited can fire before the last output; this waits for both streams to drain.
        process.WaitForExit();
        errorLines.WaitForEnd();
        if (guarded)
        {
            CloseQuietly(process.StandardInput);
        }

        cancellationToken.ThrowIfCancellationRequested();

        string stderrText;
        lock (stderr)
        {
            stderrText = string.Join("\n", stderr);
        }

        lock (stdout)
        {
            return new ToolResult(process.ExitCode, stdout.ToString(), stderrText);
        }
    }

    /// <summary>
    /// The private folder holding the passfile the program reads, which the guard removes if this
    /// process dies; empty when there is none.
    /// </summary>
    private static string SecretFolderOf(IDictionary<string, string?> environment) =>
        environment.TryGetValue("PGPASSFILE", out var passfile) && passfile is not null && PrivateTempDirectory.IsPrivateFolder(System.IO.Path.GetDirectoryName(passfile) ?? string.Empty)
            ? System.IO.Path.GetDirectoryName(passfile)!
            : string.Empty;

    private static void CloseQuietly(System.IO.StreamWriter input)
    {
        try
        {
            input.Close();
        }
        catch (System.IO.IOException)
        {
            // The guard is gone already.
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (KillTree is not null)
            {
                // .NET Core 3.0+: also ends the workers of pg_dump/pg_restore --jobs.
                KillTree.Invoke(process, new object[] { true });
            }
            else
            {
                process.Kill();
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or TargetInvocationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }
}
