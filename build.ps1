<#
.SYNOPSIS
    Builds, tests and packages HydraMigration. A thin wrapper over the dotnet CLI: every task
    is one `dotnet` command you can also run by hand.
.EXAMPLE
    ./build.ps1                 # Build: out/HydraMigration, importable
.EXAMPLE
    ./build.ps1 -Task Test      # both suites: dotnet test HydraMigration.sln (xUnit, and tests/Pester in the pwsh .NET tool; as root)
.EXAMPLE
    ./build.ps1 -Task Package   # Release build of out/HydraMigration (no .pdb, no XML docs), checked, zipped to out/HydraMigration-<version>.zip
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug'
)

$ErrorActionPreference = 'Stop'
Set-Location -LiteralPath $PSScriptRoot

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

switch ($Task) {
    'Build' {
        # Builds the module and packages it into out/HydraMigration (see src/HydraMigration/HydraMigration.csproj).
        Invoke-Dotnet build src/HydraMigration/HydraMigration.csproj -c $Configuration
    }
    'Test' {
        # The one test command README and .ci/run use: it runs tests/Pester too (Host/PesterSuiteTests).
        Invoke-Dotnet test HydraMigration.sln -c $Configuration
    }
    'Package' {
        # The same as `dotnet build -c Release src/HydraMigration` by hand; then the gallery's own check.
        Invoke-Dotnet build src/HydraMigration/HydraMigration.csproj -c Release
        $folder = Join-Path $PSScriptRoot 'out/HydraMigration'
        $info = Test-ModuleManifest -Path (Join-Path $folder 'HydraMigration.psd1')
        $zip = Join-Path $PSScriptRoot "out/HydraMigration-$($info.Version).zip"
        Remove-Item $zip -ErrorAction SilentlyContinue
        Compress-Archive -Path $folder -DestinationPath $zip
        Get-Item $zip
    }
}
