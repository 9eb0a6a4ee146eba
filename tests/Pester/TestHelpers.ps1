# Shared by the test files (dot-sourced in their BeforeAll): connections to the servers the
# HYDRA_TEST_* variables name, a fresh pwsh as a user starts one, and the format views.

$script:ModuleFolder = Join-Path $PSScriptRoot '../../out/HydraMigration'
$script:ModulePath = Join-Path $script:ModuleFolder 'HydraMigration.psd1'

# A connection to $env:HYDRA_TEST_SOURCE or $env:HYDRA_TEST_TARGET. The password comes from
# $env:HYDRA_TEST_SOURCE_PASSWORD / $env:HYDRA_TEST_TARGET_PASSWORD (two servers may differ), else
# $env:HYDRA_TEST_PASSWORD, else libpq's own PGPASSWORD / .pgpass.
function New-TestConnection {
    param(
        [Parameter(Mandatory)] [ValidateSet('Source', 'Target')] [string] $Server,
        [string] $Database
    )
    $name = $Server.ToUpperInvariant()
    $connectionString = [Environment]::GetEnvironmentVariable("HYDRA_TEST_$name")
    $password = [Environment]::GetEnvironmentVariable("HYDRA_TEST_${name}_PASSWORD")
    if (-not $password) { $password = $env:HYDRA_TEST_PASSWORD }
    $params = @{ ConnectionString = $connectionString }
    if ($Database) { $params.Database = $Database }
    if ($password) {
        $probe = New-HydraConnection -ConnectionString $connectionString
        $params.Credential = [pscredential]::new($probe.UserName, (ConvertTo-SecureString $password -AsPlainText -Force))
    }
    New-HydraConnection @params
}

# The login to $env:HYDRA_TEST_SSH_HOST as parameters of New-HydraSshSession (see the SSH file).
function Get-TestSshLogin {
    $login = @{ HostName = $env:HYDRA_TEST_SSH_HOST; UserName = $env:HYDRA_TEST_SSH_USER }
    if ($env:HYDRA_TEST_SSH_PORT) { $login.Port = [int]$env:HYDRA_TEST_SSH_PORT }
    if ($env:HYDRA_TEST_SSH_KEY) { $login.KeyFile = $env:HYDRA_TEST_SSH_KEY }
    else { $login.Credential = [pscredential]::new($env:HYDRA_TEST_SSH_USER, (ConvertTo-SecureString $env:HYDRA_TEST_SSH_PASSWORD -AsPlainText -Force)) }
    if ($env:HYDRA_TEST_SSH_FINGERPRINT) { $login.HostKeyFingerprint = $env:HYDRA_TEST_SSH_FINGERPRINT }
    $login
}

# Runs a script in a new pwsh process (the one running these tests, no profile), as a user who
# just opened a terminal would: nothing imported, output as the console shows it (host output
# such as -WhatIf's "What if:" lines included). The HYDRA_TEST_* variables are inherited.
function Invoke-FreshPwsh {
    param([Parameter(Mandatory)] [string] $Script)
    $file = Join-Path ([IO.Path]::GetTempPath()) "hydra-pester-$([guid]::NewGuid().ToString('N')).ps1"
    $prologue = "`$ErrorActionPreference = 'Stop'`n`$HydraHelpers = '$((Join-Path $PSScriptRoot 'TestHelpers.ps1') -replace "'", "''")'`n"
    Set-Content -LiteralPath $file -Value ($prologue + $Script) -Encoding utf8
    try {
        # $PSHOME holds the pwsh this runs in, also when it is the .NET tool (whose process is dotnet).
        $pwsh = Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })
        $lines = & $pwsh -NoLogo -NoProfile -NonInteractive -File $file 2>&1 | ForEach-Object { "$_" }
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($lines -join "`n") }
    }
    finally {
        Remove-Item -LiteralPath $file -ErrorAction SilentlyContinue
    }
}

# The column labels of the module's table view for a type, in order, from the format file it ships.
function Get-ViewLabel {
    param([Parameter(Mandatory)] [string] $TypeName)
    [xml] $format = Get-Content -LiteralPath (Join-Path $PSScriptRoot '../../out/HydraMigration/HydraMigration.format.ps1xml') -Raw
    $view = $format.Configuration.ViewDefinitions.View | Where-Object { $_.ViewSelectedBy.TypeName -eq $TypeName -and $_.TableControl }
    @($view.TableControl.TableHeaders.TableColumnHeader | ForEach-Object Label)
}

# The header row pwsh prints for objects shown by its default view (Format-Table), as words.
function Get-RenderedHeader {
    param([Parameter(Mandatory)] [object[]] $InputObject)
    $text = $InputObject | Format-Table | Out-String -Width 1000
    $header = ($text -split "`r?`n" | Where-Object { $_.Trim() } | Select-Object -First 1).Trim()
    @($header -split '\s+')
}
