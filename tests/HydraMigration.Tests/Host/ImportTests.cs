using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Host;

/// <summary>
/// The module imported and first touched the ways users do it, each in a fresh pwsh, since what
/// loads first differs per process: a type literal, Get-Help, Get-Command -Syntax, tab completion,
/// auto-loading from $env:PSModulePath, <c>using module</c>, the dll alone, a folder whose path
/// holds spaces and a symlinked folder. Each then runs a cmdlet that goes through the engine and
/// Npgsql to a closed port: ServerUnreachable shows the engine loaded (a broken load context
/// fails as something else), and the engine must come from the folder imported, in the
/// module's own load context.
/// </summary>
public sealed class ImportTests : IDisposable
{
    private const string Marker = "HYDRA-IMPORT ";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "hydra import " + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true); // removes the symlink, not what it points to
        }
    }

    [Theory]
    [InlineData("type literal")]
    [InlineData("Get-Help")]
    [InlineData("Get-Command -Syntax")]
    [InlineData("TabExpansion2")]
    [InlineData("auto-load")]
    [InlineData("using module")]
    [InlineData("the dll alone")]
    [InlineData("a path with spaces")]
    [InlineData("a symlinked folder")]
    public void TheModuleWorksWhenFirstTouchedBy(string way)
    {
        var (folder, prologue, expected) = Case(way);
        var result = Pwsh.Run(prologue + @"
$ErrorActionPreference = 'Stop'
function Complete($text) { (TabExpansion2 -inputScript $text -cursorColumn $text.Length).CompletionMatches.CompletionText -join ',' }
" + (way == "TabExpansion2" || way == "auto-load" ? "$seen = (Complete 'New-HydraDump -Comp') + '|' + (Complete 'New-HydraConnection -SslMode ')\n" : string.Empty) + @"
$credential = [pscredential]::new('nobody', (ConvertTo-SecureString 'unused' -AsPlainText -Force))
$connection = New-HydraConnection -HostName 127.0.0.1 -Port 1 -Database nowhere -Credential $credential -ConnectTimeout 5
try {
    New-HydraDump -Connection $connection -Path (Join-Path $env:HYDRA_IMPORT_ROOT 'never.dump') | Out-Null
    $errorId = 'none'
} catch {
    $errorId = $_.FullyQualifiedErrorId.Split(',')[0]
}
$engine = [System.Runtime.Loader.AssemblyLoadContext]::All | ForEach-Object { $context = $_; $_.Assemblies | Where-Object { $_.GetName().Name -eq 'HydraMigration.Engine' } | ForEach-Object { $context.Name + '|' + $_.Location } }
'" + Marker + @"' + (@{ Seen = [string]$seen; ErrorId = $errorId; ModuleBase = (Get-Module HydraMigration).ModuleBase; Engine = @($engine) } | ConvertTo-Json -Compress)",
            new Dictionary<string, string> { ["HYDRA_IMPORT_ROOT"] = _root, ["HYDRA_IMPORT_FOLDER"] = folder },
            timeoutSeconds: 120);

        Assert.True(result.ExitCode == 0, "pwsh exited " + result.ExitCode + ":\n" + result.Output + result.Errors);
        var line = result.Output.Split('\n').SingleOrDefault(l => l.StartsWith(Marker, StringComparison.Ordinal));
        Assert.True(line is not null, "no report line:\n" + result.Output + result.Errors);
        var report = System.Text.Json.JsonDocument.Parse(line![Marker.Length..]).RootElement;

        foreach (var text in expected)
        {
            Assert.Contains(text, report.GetProperty("Seen").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal("ServerUnreachable", report.GetProperty("ErrorId").GetString());
        Assert.Equal(folder, report.GetProperty("ModuleBase").GetString());
        var engine = Assert.Single(report.GetProperty("Engine").EnumerateArray()).GetString();
        Assert.Equal("HydraMigration|" + Path.Combine(folder, "dependencies", "net8.0", "HydraMigration.Engine.dll"), engine);
    }

    /// <summary>The module folder a way imports from, the script that imports and first touches it, and what that touch must show.</summary>
    private (string Folder, string Prologue, string[] Expected) Case(string way)
    {
        Directory.CreateDirectory(_root);
        var module = Repository.ModuleFolder;
        const string Import = "Import-Module (Join-Path $env:HYDRA_IMPORT_FOLDER 'HydraMigration.psd1')\n";
        switch (way)
        {
            case "type literal":
                return (module, Import + "$seen = [HydraMigration.HydraConnection].FullName + ' ' + [HydraMigration.HydraSslMode]::VerifyFull", new[] { "HydraMigration.HydraConnection VerifyFull" });
            case "Get-Help":
                return (module, Import + "$seen = Get-Help New-HydraDump -Full | Out-String -Width 200", new[] { "New-HydraDump", "-Connection" });
            case "Get-Command -Syntax":
                return (module, Import + "$seen = Get-Command Restore-HydraDump -Syntax | Out-String -Width 400", new[] { "-CreateDatabase", "<HydraConnection>" });
            case "TabExpansion2":
                return (module, Import, new[] { "-Compression", "VerifyFull" });
            case "auto-load":
                // No Import-Module: completion, then the first cmdlet, load it from $env:PSModulePath.
                var modules = Path.Combine(_root, "auto load");
                var copy = Path.Combine(modules, "HydraMigration");
                CopyFolder(module, copy);
                return (copy, "$env:PSModulePath = (Split-Path $env:HYDRA_IMPORT_FOLDER) + [IO.Path]::PathSeparator + $env:PSModulePath", new[] { "-Compression", "VerifyFull" });
            case "using module":
                return (module, "using module '" + Path.Combine(module, "HydraMigration.psd1").Replace("'", "''", StringComparison.Ordinal) + "'\n$seen = [HydraMigration.HydraDumpFormat]::Directory", new[] { "Directory" });
            case "the dll alone":
                return (module, "Import-Module (Join-Path $env:HYDRA_IMPORT_FOLDER 'HydraMigration.dll')\n$seen = (Get-Command -Module HydraMigration).Count", Array.Empty<string>());
            case "a path with spaces":
                var spaced = Path.Combine(_root, "Program Files", "Power Shell", "HydraMigration");
                CopyFolder(module, spaced);
                return (spaced, Import, Array.Empty<string>());
            case "a symlinked folder":
                var link = Path.Combine(_root, "linked", "HydraMigration");
                Directory.CreateDirectory(Path.GetDirectoryName(link)!);
                Directory.CreateSymbolicLink(link, module);
                return (link, Import, Array.Empty<string>());
            default:
                throw new ArgumentOutOfRangeException(nameof(way), way, "no such case");
        }
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
    }
}
