using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Xml.Linq;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Host;

/// <summary>
/// Pester, fetched from NuGet into the repository's <c>.tools/nuget</c> by
/// <c>tests/Pester/Pester.tool.proj</c> (which names the version; <c>.ci/run</c> restores the same
/// project) on first use, the way <see cref="Pwsh"/> installs pwsh. The package's <c>tools/</c>
/// folder is the module.
/// </summary>
public static class PesterTool
{
    private static readonly Lazy<string> ManifestPath = new(FindOrInstall, LazyThreadSafetyMode.ExecutionAndPublication);

    private static string Project => Path.Combine(Repository.Root, "tests", "Pester", "Pester.tool.proj");

    /// <summary>The version the restore project pins.</summary>
    public static string Version { get; } = XDocument.Load(Project).Descendants("PesterVersion").Single().Value;

    /// <summary>Pester.psd1, ready to import.</summary>
    public static string Manifest => ManifestPath.Value;

    private static string FindOrInstall()
    {
        var manifest = Path.Combine(Pwsh.ToolsFolder, "nuget", "pester", Version, "tools", "Pester.psd1");
        Directory.CreateDirectory(Pwsh.ToolsFolder);

        // Test processes side by side restore once.
        using var installLock = new FileStream(Path.Combine(Pwsh.ToolsFolder, "pester.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        if (!File.Exists(manifest))
        {
            ExternalCommand.Run("dotnet", new[] { "restore", Project }, timeoutSeconds: 600);
        }

        return File.Exists(manifest) ? manifest : throw new InvalidOperationException("dotnet restore " + Project + " did not produce " + manifest + ".");
    }
}
