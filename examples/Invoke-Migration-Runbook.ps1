<#
.SYNOPSIS
    A runbook for many migrations: one line per database in a CSV, all through
    Invoke-HydraMigration, a report per database, exit code 1 when any failed.

.DESCRIPTION
    The CSV has Source and Target columns holding libpq connection strings without passwords,
    for example:

        Source,Target
        "host=old-db port=5432 dbname=shop user=postgres","host=hydra-x.example.net port=25432 dbname=shop user=admin"

    Passwords come from a password file (PGPASSFILE, or ~/.pgpass; one line per server:
    host:port:*:user:password, mode 0600), never from the CSV or the command line.

    Each migration plans and preflights first, then runs with a journal in its own folder under
    -WorkFolder. Run the same command again with -Resume after fixing what failed: what is done
    is skipped. Exit code 0 when every migration succeeded, 1 otherwise.

.EXAMPLE
    $env:PGPASSFILE = '/secure/migration.pgpass'
    ./Invoke-Migration-Runbook.ps1 -CsvPath ./migrations.csv -WorkFolder ./fleet -ThrottleLimit 4
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $CsvPath,
    [string] $WorkFolder = './hydra-fleet',
    [int] $ThrottleLimit = 4,
    [int] $Jobs = 2,
    # Continue the migrations a failed run left, from their journals.
    [switch] $Resume
)

$ErrorActionPreference = 'Continue'
Import-Module (Join-Path $PSScriptRoot '../out/HydraMigration') -ErrorAction SilentlyContinue
if (-not (Get-Command Invoke-HydraMigration -ErrorAction SilentlyContinue)) { Import-Module HydraMigration -ErrorAction Stop }

$reports = @(Import-Csv -LiteralPath $CsvPath |
    Invoke-HydraMigration -WorkFolder $WorkFolder -ReportPath (Join-Path $WorkFolder 'report.html') `
        -ThrottleLimit $ThrottleLimit -Jobs $Jobs -Resume:$Resume -ErrorVariable failures)

$reports | Format-Table -AutoSize
$failed = @($reports | Where-Object { -not $_.Succeeded })
if ($failures.Count -gt 0 -or $failed.Count -gt 0 -or $reports.Count -eq 0) {
    foreach ($report in $failed) {
        Write-Warning ("{0} -> {1} failed; report: {2}" -f $report.Source, $report.Target, $report.ReportPath)
    }

    Write-Warning ("Not every migration succeeded ({0} report(s) of failure, {1} error(s) in all). Fix the cause and run again with -Resume." -f $failed.Count, $failures.Count)
    exit 1
}

"All $($reports.Count) migration(s) succeeded."
exit 0
