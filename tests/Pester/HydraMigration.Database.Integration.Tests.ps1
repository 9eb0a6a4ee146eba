#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# New-HydraDatabase against a server you name. Skipped unless set:
#   $env:HYDRA_TEST_TARGET    a libpq URI or key=value string of a server where databases may be created and dropped
#   $env:HYDRA_TEST_PASSWORD  its password (or rely on PGPASSWORD / .pgpass)

BeforeDiscovery {
    $script:Skip = -not $env:HYDRA_TEST_TARGET
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../out/HydraMigration/HydraMigration.psd1') -Force
    $params = @{ ConnectionString = $env:HYDRA_TEST_TARGET }
    if ($env:HYDRA_TEST_PASSWORD) {
        $probe = New-HydraConnection -ConnectionString $env:HYDRA_TEST_TARGET
        $params.Credential = [pscredential]::new($probe.UserName, (ConvertTo-SecureString $env:HYDRA_TEST_PASSWORD -AsPlainText -Force))
    }
    $script:Target = New-HydraConnection @params
    $script:Name = "hydra pester ""$([guid]::NewGuid().ToString('N').Substring(0, 8))"" Zoë"
}

AfterAll {
    if ($script:Target) {
        New-HydraDatabase -Connection $script:Target -Name $script:Name -Force -TerminateConnections -ErrorAction SilentlyContinue | Out-Null
    }
}

Describe 'New-HydraDatabase against $env:HYDRA_TEST_TARGET' -Skip:$script:Skip {
    It 'creates a database whose name has quotes, spaces and non-ASCII characters' {
        $db = New-HydraDatabase -Connection $script:Target -Name $script:Name
        $db.Name | Should -Be $script:Name
        $db.Encoding | Should -Be 'UTF8'
        $db.Created | Should -BeTrue
        $db.Connection.Database | Should -Be $script:Name
    }

    It 'refuses an existing database, and -IfNotExists returns it' {
        $err = $null
        New-HydraDatabase -Connection $script:Target -Name $script:Name -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'DatabaseAlreadyExists,HydraMigration.Commands.NewHydraDatabaseCommand'
        (New-HydraDatabase -Connection $script:Target -Name $script:Name -IfNotExists).Created | Should -BeFalse
    }

    It '-Force -WhatIf changes nothing' {
        New-HydraDatabase -Connection $script:Target -Name $script:Name -Force -WhatIf | Should -BeNullOrEmpty
        (New-HydraDatabase -Connection $script:Target -Name $script:Name -IfNotExists).Created | Should -BeFalse
    }

    It 'lists the locales the server offers when asked for one it lacks' {
        $err = $null
        New-HydraDatabase -Connection $script:Target -Name "$($script:Name)2" -Locale 'xx_NOWHERE.UTF-8' -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'LocaleNotAvailable,HydraMigration.Commands.NewHydraDatabaseCommand'
        "$($err[0])" | Should -Match 'It offers'
    }
}
