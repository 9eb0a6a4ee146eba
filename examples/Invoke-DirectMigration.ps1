<#
.SYNOPSIS
    The same migration when this computer reaches both servers: dump here, restore, validate —
    then validate once more against the live source.

.DESCRIPTION
    Exit code 0 when every check passed, 1 otherwise.

.EXAMPLE
    ./Invoke-DirectMigration.ps1 -SourceHost old-db.internal -SourceDatabase shop -SourceCredential $srcCred `
        -TargetHost hydra-x.example.net -TargetPort 25432 -TargetCredential $dstCred
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $SourceHost,
    [int] $SourcePort = 5432,
    [Parameter(Mandatory)] [string] $SourceDatabase,
    [Parameter(Mandatory)] [pscredential] $SourceCredential,
    [Parameter(Mandatory)] [string] $TargetHost,
    [int] $TargetPort = 5432,
    [string] $TargetDatabase = $SourceDatabase,
    [Parameter(Mandatory)] [pscredential] $TargetCredential,
    [string] $DumpFolder = './dumps',
    [int] $Jobs = 4
)

$ErrorActionPreference = 'Stop'
Import-Module "$PSScriptRoot/../out/HydraMigration/HydraMigration.psd1"

$src = New-HydraConnection -HostName $SourceHost -Port $SourcePort -Database $SourceDatabase -Credential $SourceCredential
$dst = New-HydraConnection -HostName $TargetHost -Port $TargetPort -Database $TargetDatabase -Credential $TargetCredential
$DumpFolder = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($DumpFolder)
[void][IO.Directory]::CreateDirectory($DumpFolder)

# Against the manifest: what the dump's snapshot held, even if the source keeps changing.
$againstDump = New-HydraDump -Connection $src -Path "$DumpFolder/" |
    Restore-HydraDump -Connection $dst -CreateDatabase -Jobs $Jobs |
    Test-HydraMigration

# Against the live source: every check again, comparing the two servers directly.
$againstSource = Test-HydraMigration -Connection $dst -Source $src

$againstDump
$againstSource
if (@($againstDump) + @($againstSource) | Where-Object Status -eq 'Fail') { exit 1 }
exit 0
