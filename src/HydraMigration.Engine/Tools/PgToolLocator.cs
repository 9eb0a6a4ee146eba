using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace HydraMigration.Tools;

/// <summary>
/// Finds pg_dump / pg_restore. An explicit folder (-PgBinPath, else $env:HYDRA_PG_BIN) is the
/// only place looked when given; otherwise PATH and the usual install folders are searched and
/// the newest major version that is at least the server's is chosen — an older client cannot
/// dump a newer server, and a newer one reads every older archive.
/// </summary>
internal static class PgToolLocator
{
    public const string BinPathVariable = "HYDRA_PG_BIN";

    private static readonly Regex VersionPattern = new(@"\(PostgreSQL\)\s+(\d+)(\.\d+)?", RegexOptions.CultureInvariant);

    public static PgTool Find(string toolName, int minimumMajor, string? explicitBinPath)
    {
        var explicitFolder = !string.IsNullOrEmpty(explicitBinPath) ? explicitBinPath : Environment.GetEnvironmentVariable(BinPathVariable);
        var searched = new List<string>();
        var found = new List<PgTool>();

        var folders = string.IsNullOrEmpty(explicitFolder) ? CandidateFolders() : new[] { explicitFolder! };
        var binaries = new List<string>();
        var scripts = new List<string>();
        foreach (var folder in folders.Distinct(PathComparer))
        {
            searched.Add(folder);
            var path = Path.Combine(folder, ExecutableName(toolName));
            if (File.Exists(path))
            {
                (IsScript(path) ? scripts : binaries).Add(path);
            }
        }

        // Wrapper scripts (Debian's pg_wrapper is Perl) only pick one of the real binaries, and
        // asking one its version costs a noticeable moment: ask them only when no binary fits.
        found.AddRange(ReadVersions(toolName, binaries));
        if (!found.Any(t => t.Major >= minimumMajor))
        {
            found.AddRange(ReadVersions(toolName, scripts));
        }

        return Choose(toolName, minimumMajor, found, searched, explicitFolder, where: null);
    }

    /// <summary>
    /// The newest candidate whose major is at least <paramref name="minimumMajor"/>, or the error
    /// that says what was found (too old) or where it was looked for (missing).
    /// <paramref name="where"/> names the host when it is not this computer.
    /// </summary>
    public static PgTool Choose(string toolName, int minimumMajor, IReadOnlyCollection<PgTool> found, IEnumerable<string> searched, string? explicitFolder, string? where)
    {
        var best = found.Where(t => t.Major >= minimumMajor).OrderByDescending(t => t.Major).FirstOrDefault();
        if (best is not null)
        {
            return best;
        }

        var onHost = where is null ? string.Empty : " on " + where;
        if (found.Count > 0)
        {
            throw new HydraException(HydraErrors.PgToolTooOld,
                string.Format(
                    CultureInfo.InvariantCulture,
                    "The server runs PostgreSQL {0}, so {1} {0} or newer is needed{4}, but only {2} was found. Install the PostgreSQL {0}+ client tools{4}, or point -PgBinPath (or ${3}) at their bin folder.",
                    minimumMajor,
                    toolName,
                    string.Join(", ", found.Select(t => t.ToString())),
                    "env:" + BinPathVariable,
                    onHost),
                explicitFolder ?? toolName);
        }

        throw new HydraException(HydraErrors.PgToolNotFound,
            string.Format(
                CultureInfo.InvariantCulture,
                "{0} was not found{4} (PostgreSQL {1} or newer is needed for this server). Looked in: {2}. Install the PostgreSQL client tools{4}, or point -PgBinPath (or ${3}) at their bin folder.",
                toolName,
                minimumMajor,
                string.Join(", ", searched),
                "env:" + BinPathVariable,
                onHost),
            explicitFolder ?? toolName);
    }

    /// <summary>The tool described by its "--version" output ("pg_dump (PostgreSQL) 15.18"), or null.</summary>
    public static PgTool? FromVersionOutput(string toolName, string path, string output)
    {
        var match = VersionPattern.Match(output);
        return match.Success
            ? new PgTool(toolName, path, int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), match.Groups[1].Value + match.Groups[2].Value)
            : null;
    }

    private static bool IsScript(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return stream.ReadByte() == '#' && stream.ReadByte() == '!';
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Asks each candidate its version, all at once: each answer is a process start.</summary>
    private static List<PgTool> ReadVersions(string toolName, IEnumerable<string> paths) =>
        paths.AsParallel().AsOrdered().Select(p => TryReadVersion(toolName, p)).Where(t => t is not null).Select(t => t!).ToList();

    private static StringComparer PathComparer => RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    private static string ExecutableName(string toolName) =>
        RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? toolName + ".exe" : toolName;

    private static IEnumerable<string> CandidateFolders()
    {
        var pathVariable = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var folder in pathVariable.Split(Path.PathSeparator))
        {
            if (folder.Length > 0)
            {
                yield return folder;
            }
        }

        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            foreach (var root in new[] { Environment.GetEnvironmentVariable("ProgramFiles"), Environment.GetEnvironmentVariable("ProgramW6432") })
            {
                foreach (var folder in VersionFolders(root is null ? null : Path.Combine(root, "PostgreSQL"), "bin"))
                {
                    yield return folder;
                }
            }

            yield break;
        }

        foreach (var folder in VersionFolders("/usr/lib/postgresql", "bin"))
        {
            yield return folder;
        }

        foreach (var folder in Glob("/usr", "pgsql-", "bin"))
        {
            yield return folder;
        }

        foreach (var brew in new[] { "/opt/homebrew/opt", "/usr/local/opt" })
        {
            foreach (var folder in Glob(brew, "postgresql", "bin"))
            {
                yield return folder;
            }
        }

        yield return "/opt/homebrew/bin";
        yield return "/usr/local/bin";
        yield return "/usr/bin";
    }

    private static string[] VersionFolders(string? root, string leaf) => Glob(root, string.Empty, leaf);

    private static string[] Glob(string? root, string prefix, string leaf)
    {
        if (root is null || !Directory.Exists(root))
        {
            return Array.Empty<string>();
        }

        try
        {
            return Directory.GetDirectories(root, prefix + "*").Select(d => Path.Combine(d, leaf)).ToArray();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Array.Empty<string>();
        }
    }

    /// <summary>
    /// Versions already asked, by binary: a session that dumps again (a fleet, a retry) does not
    /// start every candidate again. A binary replaced in place (an upgrade) has another size or
    /// time, and is asked anew; a wrapper script is never cached.
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Path, DateTime Written, long Length), PgTool?> KnownVersions = new();

    private static PgTool? TryReadVersion(string toolName, string path)
    {
        try
        {
            // A wrapper script (Debian's pg_wrapper) answers for whichever binary it picks, which
            // its own size and time do not show: asked every time.
            if (IsScript(path))
            {
                return AskVersion(toolName, path);
            }

            var file = new FileInfo(path);
            var key = (file.FullName, file.LastWriteTimeUtc, file.Length);
            if (KnownVersions.TryGetValue(key, out var known))
            {
                return known;
            }

            var tool = AskVersion(toolName, path);
            if (tool is not null)
            {
                KnownVersions[key] = tool; // a failed answer may be a moment's trouble: asked again next time
            }

            return tool;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static PgTool? AskVersion(string toolName, string path)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(path, "--version")
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                CreateNoWindow = true,
            });
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(10000))
            {
                process.Kill();
                return null;
            }

            return FromVersionOutput(toolName, path, output);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return null;
        }
    }
}
