#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Dump, restore and validate between servers you name. Skipped unless both are set:
#   $env:HYDRA_TEST_SOURCE    a libpq URI or key=value string of a database that may be dumped
#   $env:HYDRA_TEST_TARGET    one of a server where databases may be created and dropped
#   $env:HYDRA_TEST_SOURCE_PASSWORD, $env:HYDRA_TEST_TARGET_PASSWORD (or $env:HYDRA_TEST_PASSWORD
#                             for both)  their passwords (or rely on PGPASSWORD / .pgpass)
# The source should be quiet while this runs: -Source compares with it as it is now.

BeforeDiscovery {
    $script:Skip = -not ($env:HYDRA_TEST_SOURCE -and $env:HYDRA_TEST_TARGET)
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $script:ModulePath -Force
    $script:Source = New-TestConnection Source
    $script:TargetName = "hydra_pester_$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    $script:Target = New-TestConnection Target $script:TargetName
    $script:Folder = Join-Path ([IO.Path]::GetTempPath()) ([guid]::NewGuid())
    New-Item -ItemType Directory $script:Folder | Out-Null
    $script:Dump = New-HydraDump -Connection $script:Source -Path (Join-Path $script:Folder 'src.dump')
    $script:Results = $script:Dump | Restore-HydraDump -Connection $script:Target -CreateDatabase -CreateMissingRole -Jobs 2 | Test-HydraMigration
}

AfterAll {
    if ($script:Target) {
        $server = New-TestConnection Target
        New-HydraDatabase -Connection $server -Name $script:TargetName -Force -TerminateConnections -ErrorAction SilentlyContinue | Out-Null
    }
    if ($script:Folder) { Remove-Item $script:Folder -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Test-HydraMigration between $env:HYDRA_TEST_SOURCE and $env:HYDRA_TEST_TARGET' -Skip:$script:Skip {
    It 'finds nothing missing after New-HydraDump | Restore-HydraDump | Test-HydraMigration' {
        $script:Results | Should -Not -BeNullOrEmpty
        @($script:Results | Where-Object Status -eq 'Fail') | Should -HaveCount 0
    }

    It 'is shown with the columns of the format file' {
        Get-RenderedHeader $script:Results | Should -Be (Get-ViewLabel 'HydraMigration.HydraValidationResult')
    }

    It 'reports failures first' {
        $statuses = @($script:Results.Status | ForEach-Object { [int]$_ })
        $statuses | Should -Be ($statuses | Sort-Object)
    }

    It 'counts every table of the manifest' {
        $counted = @($script:Results | Where-Object { $_.Category -eq 'RowCount' -and $_.Check -eq 'Count' }).Count
        $counted | Should -Be @($script:Dump.Manifest.Tables | Where-Object { $null -ne $_.RowCount }).Count
    }

    It 'agrees with the live source, contents included (-Quiet)' {
        Test-HydraMigration -Connection $script:Target -Source $script:Source -DataChecksum -Quiet | Should -BeTrue
    }

    It 'validates one table alone' {
        $table = $script:Dump.Manifest.Tables | Where-Object { $_.RowCount -gt 0 -and $_.Kind -eq 'table' } | Select-Object -First 1
        $results = Test-HydraMigration -Connection $script:Target -Manifest $script:Dump.ManifestPath -Table "$($table.Schema).$($table.Name)" -Check RowCount
        $results.Status | Should -Be 'Pass'
    }

    It 'warns when a table filter matches nothing' {
        $warnings = $null
        $results = Test-HydraMigration -Connection $script:Target -Manifest $script:Dump.Manifest -Table 'no_such_table_*' -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings | Should -Not -BeNullOrEmpty
        ($results | Where-Object Category -eq 'Scope').Status | Should -Be 'Warning'
    }

    It 'says a server cannot be reached' {
        $nowhere = New-HydraConnection -HostName 127.0.0.1 -Port 1 -Database x -ConnectTimeout 3
        $err = $null
        Test-HydraMigration -Connection $nowhere -Source $script:Source -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'ServerUnreachable,HydraMigration.Commands.TestHydraMigrationCommand'
    }
}
