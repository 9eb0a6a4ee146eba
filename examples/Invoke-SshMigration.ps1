<#
.SYNOPSIS
    The seed workflow: dump on the old server over SSH, bring the archive here, create the target
    database, restore in parallel, and prove the target holds what the dump held.

.DESCRIPTION
    pg_dump runs on the old server (next to its database), so the archive is made at local speed
    and only the compressed archive crosses the network. Every step is verified: the host key,
    the archive's SHA-256 after the copy, the restore's preflight, and finally every table,
    row count, view, function, index, sequence, extension and columnar option.

    Exit code 0 when every check passed; 1 when any failed (the failures are written out).

.EXAMPLE
    ./Invoke-SshMigration.ps1 -SshHost old-db.internal -SshUser postgres -SshKeyFile ~/.ssh/id_ed25519 `
        -SourceDatabase shop -SourceCredential $srcCred `
        -TargetHost hydra-x.example.net -TargetPort 25432 -TargetCredential $dstCred
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $SshHost,
    [int] $SshPort = 22,
    [Parameter(Mandatory)] [string] $SshUser,
    [Parameter(Mandatory)] [string] $SshKeyFile,
    # Pin the old server's host key (SHA256:...) instead of relying on ~/.ssh/known_hosts.
    [string] $HostKeyFingerprint,
    [string] $KnownHostsPath,

    # The source database as the old server itself sees it (usually localhost).
    [string] $SourceHost = 'localhost',
    [int] $SourcePort = 5432,
    [Parameter(Mandatory)] [string] $SourceDatabase,
    [Parameter(Mandatory)] [pscredential] $SourceCredential,

    [Parameter(Mandatory)] [string] $TargetHost,
    [int] $TargetPort = 5432,
    # The new database's name; the source's name by default.
    [string] $TargetDatabase = $SourceDatabase,
    [Parameter(Mandatory)] [pscredential] $TargetCredential,

    # Where the archive is written on the old server, and where it lands here.
    [string] $RemoteFolder = '/tmp',
    [string] $LocalFolder = './dumps',
    [int] $Jobs = 4
)

$ErrorActionPreference = 'Stop'
Import-Module "$PSScriptRoot/../out/HydraMigration/HydraMigration.psd1"

$login = @{ HostName = $SshHost; Port = $SshPort; UserName = $SshUser; KeyFile = $SshKeyFile }
if ($HostKeyFingerprint) { $login.HostKeyFingerprint = $HostKeyFingerprint }
if ($KnownHostsPath) { $login.KnownHostsPath = $KnownHostsPath }
$old = New-HydraSshSession @login
try {
    $src = New-HydraConnection -HostName $SourceHost -Port $SourcePort -Database $SourceDatabase -Credential $SourceCredential
    $dst = New-HydraConnection -HostName $TargetHost -Port $TargetPort -Database $TargetDatabase -Credential $TargetCredential
    $LocalFolder = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($LocalFolder)
    [void][IO.Directory]::CreateDirectory($LocalFolder)

    $results = New-HydraDump -Connection $src -SshSession $old -Path "$($RemoteFolder.TrimEnd('/'))/" |
        Copy-HydraDump -Destination "$LocalFolder/" |
        Restore-HydraDump -Connection $dst -CreateDatabase -Jobs $Jobs |
        Test-HydraMigration

    $results
    if ($results | Where-Object Status -eq 'Fail') { exit 1 }
    exit 0
}
finally {
    Remove-HydraSshSession $old
}
