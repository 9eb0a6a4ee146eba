using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Xml.Linq;

namespace HydraMigration.Tests.Harness;

/// <summary>
/// A different Npgsql than the module's — what another module (SimplySql…) puts into a user's
/// session — fetched from NuGet into the repository's <c>.tools/nuget</c> by
/// <c>tests/Isolation/UserNpgsql.tool.proj</c> (which names the versions; <c>.ci/run</c> restores
/// the same project) on first use, the way <see cref="Pwsh"/> installs pwsh.
/// </summary>
public static class UserNpgsql
{
    private static readonly Lazy<IReadOnlyList<string>> AssemblyPaths = new(FindOrRestore, LazyThreadSafetyMode.ExecutionAndPublication);

    private static string Project => Path.Combine(Repository.Root, "tests", "Isolation", "UserNpgsql.tool.proj");

    private static XDocument ProjectXml { get; } = XDocument.Load(Project);

    /// <summary>The Npgsql version the restore project pins.</summary>
    public static string Version { get; } = ProjectXml.Descendants("UserNpgsqlVersion").Single().Value;

    private static string LoggingVersion { get; } = ProjectXml.Descendants("UserLoggingAbstractionsVersion").Single().Value;

    /// <summary>
    /// Npgsql's net8.0 build and what it needs at run time, in the order they load (dependencies
    /// first, so <c>Add-Type -Path</c> binds each to the one before).
    /// </summary>
    public static IReadOnlyList<string> Assemblies => AssemblyPaths.Value;

    private static IReadOnlyList<string> FindOrRestore()
    {
        var packages = Path.Combine(Pwsh.ToolsFolder, "nuget");
        var paths = new[]
        {
            Path.Combine(packages, "microsoft.extensions.dependencyinjection.abstractions", LoggingVersion, "lib", "net8.0", "Microsoft.Extensions.DependencyInjection.Abstractions.dll"),
            Path.Combine(packages, "microsoft.extensions.logging.abstractions", LoggingVersion, "lib", "net8.0", "Microsoft.Extensions.Logging.Abstractions.dll"),
            Path.Combine(packages, "npgsql", Version, "lib", "net8.0", "Npgsql.dll"),
        };
        Directory.CreateDirectory(Pwsh.ToolsFolder);

        // Test processes side by side restore once.
        using var restoreLock = new FileStream(Path.Combine(Pwsh.ToolsFolder, "user-npgsql.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        if (!paths.All(File.Exists))
        {
            ExternalCommand.Run("dotnet", new[] { "restore", Project }, timeoutSeconds: 600);
        }

        var missing = paths.Where(p => !File.Exists(p)).ToList();
        return missing.Count == 0 ? paths : throw new InvalidOperationException("dotnet restore " + Project + " did not produce " + string.Join(", ", missing) + ".");
    }
}
