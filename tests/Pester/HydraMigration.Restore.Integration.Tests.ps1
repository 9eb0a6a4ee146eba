#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Dump and restore between servers you name. Skipped unless both are set:
#   $env:HYDRA_TEST_SOURCE    a libpq URI or key=value string of a database that may be dumped
#   $env:HYDRA_TEST_TARGET    one of a server where databases may be created and dropped
#   $env:HYDRA_TEST_SOURCE_PASSWORD, $env:HYDRA_TEST_TARGET_PASSWORD (or $env:HYDRA_TEST_PASSWORD
#                             for both)  their passwords (or rely on PGPASSWORD / .pgpass)

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
}

AfterAll {
    if ($script:Target) {
        $server = New-TestConnection Target
        New-HydraDatabase -Connection $server -Name $script:TargetName -Force -TerminateConnections -ErrorAction SilentlyContinue | Out-Null
    }
    if ($script:Folder) { Remove-Item $script:Folder -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Restore-HydraDump between $env:HYDRA_TEST_SOURCE and $env:HYDRA_TEST_TARGET' -Skip:$script:Skip {
    It '-WhatIf runs only the preflight' {
        Restore-HydraDump -Path $script:Dump.Path -Connection $script:Target -CreateDatabase -CreateMissingRole -WhatIf | Should -BeNullOrEmpty
    }

    It '-WhatIf says what it would restore where, in a console' {
        $run = Invoke-FreshPwsh ". `$HydraHelpers; Import-Module `$ModulePath
Restore-HydraDump -Path '$($script:Dump.Path)' -Connection (New-TestConnection Target '$($script:TargetName)') -CreateDatabase -CreateMissingRole -WhatIf"
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match "(?m)^What if: Performing the operation ""[^""]+"" on target ""[^""]*$($script:TargetName)[^""]*""\.$"
        $run.Output | Should -Match 'and restore src\.dump: [^"]*set columnar options'
    }

    It 'restores into a new database with the columnar options and settings of the manifest' {
        $result = $script:Dump | Restore-HydraDump -Connection $script:Target -CreateDatabase -CreateMissingRole -Jobs 2
        $result.Succeeded | Should -BeTrue
        $result.ColumnarTablesConfigured | Should -Be @($script:Dump.Manifest.Tables | Where-Object { $_.Columnar -and ($_.Columnar.Compression -or $_.Columnar.StripeRowLimit) }).Count
        $result.SettingsApplied | Should -Be $script:Dump.Manifest.DatabaseSettings.Count
        Get-RenderedHeader $result | Should -Be (Get-ViewLabel 'HydraMigration.HydraRestoreResult')
    }

    It 'refuses to restore into the now non-empty database without -Clean or -Force' {
        $err = $null
        Restore-HydraDump -Path $script:Dump.Path -Connection $script:Target -ErrorVariable err -ErrorAction SilentlyContinue
        $err.FullyQualifiedErrorId | Should -Contain 'TargetNotEmpty,HydraMigration.Commands.RestoreHydraDumpCommand'
    }

    It 'refuses a truncated archive' {
        $bytes = [IO.File]::ReadAllBytes($script:Dump.Path)
        $cut = Join-Path $script:Folder 'cut.dump'
        [IO.File]::WriteAllBytes($cut, $bytes[0..([int]($bytes.Length / 2))])
        $err = $null
        Restore-HydraDump -Path $cut -Connection $script:Target -Force -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'ArchiveTruncated,HydraMigration.Commands.RestoreHydraDumpCommand'
    }
}
