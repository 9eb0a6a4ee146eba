using System;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Host;

/// <summary>
/// The folder that goes to the PowerShell Gallery: <c>dotnet build -c Release src/HydraMigration</c>
/// (what <c>build.ps1 -Task Package</c> runs), built here into a folder of its own so the module
/// the other tests import stays as it is.
/// </summary>
public sealed class ReleasePackageTests
{
    [Fact]
    public void TheReleaseFolderHoldsOnlyWhatUsersNeedAndPassesTestModuleManifest()
    {
        var parent = Path.Combine(Path.GetTempPath(), "hydra-release-" + Guid.NewGuid().ToString("N")[..8]);
        var folder = Path.Combine(parent, "HydraMigration");
        try
        {
            ExternalCommand.Run("dotnet", new[]
            {
                "build", Path.Combine(Repository.Root, "src", "HydraMigration", "HydraMigration.csproj"), "-c", "Release",
                "-p:ModuleOutDir=" + folder + Path.DirectorySeparatorChar, "-nodeReuse:false", "-nologo", "-v:q",
            }, timeoutSeconds: 600);

            var files = Directory.GetFiles(folder, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/')).OrderBy(f => f, StringComparer.Ordinal).ToList();
            var listing = string.Join("\n", files);
            foreach (var required in new[]
            {
                "HydraMigration.psd1", "HydraMigration.dll", "HydraMigration.Model.dll", "HydraMigration.format.ps1xml", "en-US/HydraMigration.dll-Help.xml",
                "dependencies/HydraMigration.LoadContext.dll",
                "dependencies/net8.0/HydraMigration.Engine.dll", "dependencies/net8.0/Npgsql.dll", "dependencies/net8.0/Renci.SshNet.dll",
                "dependencies/netstandard2.0/HydraMigration.Engine.dll", "dependencies/netstandard2.0/Npgsql.dll", "dependencies/netstandard2.0/Renci.SshNet.dll",
            })
            {
                Assert.True(files.Contains(required), required + " is missing from the Release folder:\n" + listing);
            }

            Assert.DoesNotContain(files, f => f.EndsWith(".pdb", StringComparison.Ordinal) || f.EndsWith(".deps.json", StringComparison.Ordinal));
            Assert.Equal(new[] { "en-US/HydraMigration.dll-Help.xml" }, files.Where(f => f.EndsWith(".xml", StringComparison.Ordinal)));
            Assert.DoesNotContain(files, f => f.EndsWith("System.Management.Automation.dll", StringComparison.Ordinal)); // the engine's own copy must win in every host

            // Test-ModuleManifest checks what the manifest names exists; the import shows it loads.
            var version = XDocument.Load(Path.Combine(Repository.Root, "Directory.Build.props")).Descendants("Version").Single().Value;
            var result = Pwsh.Run(@"$ErrorActionPreference = 'Stop'
$info = Test-ModuleManifest -Path $env:HYDRA_RELEASE_MANIFEST
Import-Module $env:HYDRA_RELEASE_MANIFEST
'{0}|{1}|{2}|{3}' -f $info.Version, $info.ExportedCmdlets.Count, (Get-Module HydraMigration).ExportedCmdlets.Count, (Get-Module HydraMigration).ModuleBase",
                new System.Collections.Generic.Dictionary<string, string> { ["HYDRA_RELEASE_MANIFEST"] = Path.Combine(folder, "HydraMigration.psd1") });
            Assert.True(result.ExitCode == 0, result.Output + result.Errors);
            var parts = result.Output.Trim().Split('|');
            Assert.Equal(version, parts[0]);
            Assert.True(int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) >= 10, result.Output);
            Assert.Equal(parts[1], parts[2]);
            Assert.Equal(folder, parts[3]);
        }
        finally
        {
            if (Directory.Exists(parent))
            {
                Directory.Delete(parent, recursive: true);
            }
        }
    }
}
