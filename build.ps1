<#
.SYNOPSIS
    Builds, tests and packages HydraMigration. A thin wrapper over the dotnet CLI: every task
    is one `dotnet` command you can also run by hand.
.EXAMPLE
    ./build.ps1                 # Build: out/HydraMigration, importable
.EXAMPLE
    ./build.ps1 -Task Test      # xUnit suite (needs PostgreSQL 15 server binaries), then Pester if present
.EXAMPLE
    ./build.ps1 -Task Package   # Release build, zipped to out/HydraMigration-<version>.zip
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
        Invoke-Dotnet test HydraMigration.sln -c $Configuration
        $pester = Get-Module -ListAvailable Pester | Where-Object Version -ge '5.0' | Select-Object -First 1
        if ($pester) {
            Import-Module $pester
            $result = Invoke-Pester -Path (Join-Path $PSScriptRoot 'tests/Pester') -PassThru -Output Detailed
            if ($result.FailedCount -gt 0) { throw "$($result.FailedCount) Pester test(s) failed" }
        }
        else {
            Write-Warning 'Pester 5 is not installed: skipped tests/Pester (Install-Module Pester -MinimumVersion 5.0).'
        }
    }
    'Package' {
        Invoke-Dotnet build src/HydraMigration/HydraMigration.csproj -c Release
        $manifest = Import-PowerShellDataFile (Join-Path $PSScriptRoot 'out/HydraMigration/HydraMigration.psd1')
        $zip = Join-Path $PSScriptRoot "out/HydraMigration-$($manifest.ModuleVersion).zip"
        Remove-Item $zip -ErrorAction SilentlyContinue
        Compress-Archive -Path (Join-Path $PSScriptRoot 'out/HydraMigration') -DestinationPath $zip
        Get-Item $zip
    }
}
