using System;
using System.Globalization;
using System.IO;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using HydraMigration.Infrastructure;

namespace HydraMigration.Tools;

/// <summary>
/// A temporary folder only the current user can enter (mode 0700 on Unix; the per-user temp
/// folder's ACL on Windows), removed with everything in it on dispose. Holds the passfile
/// and generated lists that a child tool reads.
/// </summary>
/// <remarks>
/// Its name, <c>hydra-PID-GUID</c>, carries the id of the process that owns it. A process killed
/// outright (SIGKILL, a crash) cannot remove its folder, so every new folder first sweeps those
/// whose owner is gone — a password file first of all — and says so.
/// </remarks>
internal sealed class PrivateTempDirectory : IDisposable
{
    private const string Prefix = "hydra-";

    public PrivateTempDirectory(IOperationReporter? reporter = null)
    {
        SweepAbandoned(reporter);
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), Prefix + CurrentProcessId.ToString(CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N"));
        if (!FilePermissions.TryCreateOwnerOnlyDirectory(Path, out var error))
        {
            throw new HydraException(HydraErrors.TempDirectoryFailed, string.Format(CultureInfo.InvariantCulture, "Could not create a private temporary folder under {0} (errno {1}). Check that the temp folder exists and is writable.", System.IO.Path.GetTempPath(), error), System.IO.Path.GetTempPath());
        }
    }

    private static int CurrentProcessId
    {
        get
        {
            using var self = Process.GetCurrentProcess();
            return self.Id;
        }
    }

    /// <summary>True when <paramref name="path"/> is named like a private folder of this module.</summary>
    public static bool IsPrivateFolder(string path) => OwnerOf(path) is not null;

    /// <summary>
    /// Removes the private folders of HydraMigration processes that no longer run, and warns of
    /// each (it may have held a password). Folders of running processes are left alone.
    /// </summary>
    public static void SweepAbandoned(IOperationReporter? reporter)
    {
        string[] candidates;
        try
        {
            candidates = Directory.GetDirectories(System.IO.Path.GetTempPath(), Prefix + "*-*");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return;
        }

        foreach (var folder in candidates)
        {
            if (OwnerOf(folder) is not { } pid || IsRunning(pid))
            {
                continue;
            }

            var heldPassword = File.Exists(System.IO.Path.Combine(folder, "pgpass"));
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue; // another user's, or being removed by another sweep
            }

            reporter?.Warning(string.Format(CultureInfo.InvariantCulture,
                "Removed '{0}', a private temporary folder that HydraMigration process {1} left behind when it was killed{2}.",
                folder, pid, heldPassword ? " (it held a password file)" : string.Empty));
        }
    }

    /// <summary>The owning process id in a name hydra-PID-GUID (32 hex digits); null for any other name.</summary>
    private static int? OwnerOf(string path)
    {
        var name = System.IO.Path.GetFileName(path.TrimEnd(System.IO.Path.DirectorySeparatorChar));
        if (!name.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var parts = name.Substring(Prefix.Length).Split('-');
        return parts.Length == 2 && parts[1].Length == 32 && parts[1].All(Uri.IsHexDigit)
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0
            ? pid
            : null;
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            // A killed process whose parent died too lingers as a zombie until init reaps it: dead.
            var stat = "/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/stat";
            if (File.Exists(stat) && File.ReadAllText(stat) is var text && text.LastIndexOf(')') is var end && end > 0 && end + 2 < text.Length && text[end + 2] is 'Z' or 'X')
            {
                return false;
            }

            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (InvalidOperationException)
        {
            return false;
        }
        catch (IOException)
        {
            return false; // its /proc entry went while we read it
        }
    }

    private readonly System.Collections.Generic.List<IDisposable> _companions = new();

    public string Path { get; }

    /// <summary>Releases <paramref name="companion"/> (a tunnel the child tool uses, say) together with this folder.</summary>
    public void DisposeWith(IDisposable companion) => _companions.Add(companion);

    /// <summary>Writes a file readable by the owner only; the mode is set before any content is written.</summary>
    public string WriteOwnerOnlyFile(string name, string content)
    {
        var file = System.IO.Path.Combine(Path, name);
        using (var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            if (!FilePermissions.OwnerOnly(file, directory: false))
            {
                throw new HydraException(HydraErrors.TempFileFailed, "Could not restrict a temporary file to its owner.", file);
            }

            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false));
            writer.Write(content);
        }

        return file;
    }

    public void Dispose()
    {
        foreach (var companion in _companions)
        {
            companion.Dispose();
        }

        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: the folder is private and holds nothing the next run depends on.
        }
    }
}
