using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Module;

/// <summary>The packaged module as a user meets it: manifest, exports, files, help.</summary>
public sealed class ModuleTests : IDisposable
{
    private readonly PowerShellSession _ps = new();

    public void Dispose() => _ps.Dispose();

    [Fact]
    public void ManifestPassesTestModuleManifestAndCarriesGalleryMetadata()
    {
        var result = _ps.Run("Test-ModuleManifest -Path $args[0]", Repository.ModuleManifest);
        Assert.Empty(result.Errors);
        var info = result.Single<PSModuleInfo>();
        Assert.Equal(new[] { "Core", "Desktop" }, info.CompatiblePSEditions.OrderBy(e => e));
        Assert.False(string.IsNullOrWhiteSpace(info.Description));
        Assert.NotNull(info.ProjectUri);
        Assert.NotNull(info.LicenseUri);
        Assert.Contains("Hydra", info.Tags);

        var props = File.ReadAllText(Path.Combine(Repository.Root, "Directory.Build.props"));
        var version = Regex.Match(props, "<Version>(.+?)</Version>").Groups[1].Value;
        Assert.Equal(version, info.Version.ToString(3));
    }

    [Fact]
    public void ExportsExactlyTheCmdletsTheAssemblyDefines()
    {
        var exported = _ps.Run("(Get-Module HydraMigration).ExportedCmdlets.Keys").Output.Select(o => o.ToString()).Order().ToList();
        var defined = _ps.Run(@"(Get-Module HydraMigration).ImplementingAssembly.GetTypes() |
            ForEach-Object { $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) } |
            ForEach-Object { $_.VerbName + '-' + $_.NounName }").Output.Select(o => o.ToString()).Order().ToList();
        Assert.NotEmpty(defined);
        Assert.Equal(defined, exported);
    }

    [Fact]
    public void ModuleFolderShipsDependenciesButNotTheEngine()
    {
        // Beside the manifest: the cmdlets and the model only; the engine and its dependencies
        // in dependencies/<tfm>/, one folder per build, and the load context that isolates them.
        var files = Directory.GetFiles(Repository.ModuleFolder).Select(Path.GetFileName).ToList();
        Assert.Contains("HydraMigration.dll", files);
        Assert.Contains("HydraMigration.Model.dll", files);
        Assert.DoesNotContain("Npgsql.dll", files);
        Assert.DoesNotContain("Renci.SshNet.dll", files);
        Assert.DoesNotContain("HydraMigration.Engine.dll", files);
        var dependencies = Path.Combine(Repository.ModuleFolder, "dependencies");
        Assert.True(File.Exists(Path.Combine(dependencies, "HydraMigration.LoadContext.dll")));
        foreach (var build in new[] { "netstandard2.0", "net8.0" })
        {
            var shipped = Directory.GetFiles(Path.Combine(dependencies, build)).Select(Path.GetFileName).ToList();
            Assert.Contains("HydraMigration.Engine.dll", shipped);
            Assert.Contains("Npgsql.dll", shipped);
            Assert.Contains("Renci.SshNet.dll", shipped);
            Assert.DoesNotContain("HydraMigration.Model.dll", shipped);
            Assert.DoesNotContain("System.Management.Automation.dll", shipped);
        }

        Assert.Contains("HydraMigration.format.ps1xml", files);
        Assert.True(File.Exists(Path.Combine(Repository.ModuleFolder, "en-US", "HydraMigration.dll-Help.xml")));
        Assert.DoesNotContain("System.Management.Automation.dll", files);
    }

    [Fact]
    public void EveryCmdletHasFullHelp()
    {
        var commands = _ps.Run("Get-Command -Module HydraMigration").Output.Select(o => (CommandInfo)o.BaseObject).ToList();
        Assert.NotEmpty(commands);
        foreach (var command in commands)
        {
            var help = _ps.Run("Get-Help $args[0] -Full", command.Name).Output.Single();
            var synopsis = help.Properties["Synopsis"].Value?.ToString() ?? string.Empty;
            Assert.False(string.IsNullOrWhiteSpace(synopsis), command.Name + " has no synopsis");
            Assert.DoesNotContain(command.Name + " ", synopsis); // the engine's placeholder is the bare syntax

            var description = _ps.Run("(Get-Help $args[0] -Full).description.Text -join ' '", command.Name).Output.Single().ToString();
            Assert.True(description.Length > 40, command.Name + " has no description");

            var examples = _ps.Run("@((Get-Help $args[0] -Full).examples.example).Count", command.Name).Output.Single().BaseObject;
            Assert.True((int)examples >= 2, command.Name + " has fewer than two examples");

            var documented = _ps.Run("(Get-Help $args[0] -Full).parameters.parameter | Where-Object { ($_.description.Text -join '').Length -gt 10 } | ForEach-Object name", command.Name)
                .Output.Select(o => o.ToString()).ToHashSet();
            var parameters = command.Parameters.Keys.Except(Cmdlet.CommonParameters).Except(Cmdlet.OptionalCommonParameters).ToList();
            parameters.AddRange(command.Parameters.Keys.Where(k => k is "WhatIf" or "Confirm"));
            foreach (var parameter in parameters.Distinct())
            {
                Assert.True(documented.Contains(parameter), $"{command.Name} -{parameter} has no help text");
            }

            Assert.Empty(documented.Except(command.Parameters.Keys)); // no help for parameters that do not exist
        }
    }
}
