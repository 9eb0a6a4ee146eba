#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# New-HydraDatabase against a server you name. Skipped unless set:
#   $env:HYDRA_TEST_TARGET    a libpq URI or key=value string of a server where databases may be created and dropped
#   $env:HYDRA_TEST_TARGET_PASSWORD (or $env:HYDRA_TEST_PASSWORD)  its password (or rely on PGPASSWORD / .pgpass)

BeforeDiscovery {
    $script:Skip = -not $env:HYDRA_TEST_TARGET
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $script:ModulePath -Force
    $script:Target = New-TestConnection Target
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

    It '-WhatIf says which database it would create on which server, in a console' {
        $name = "hydra_pester_whatif_$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $run = Invoke-FreshPwsh ". `$HydraHelpers; Import-Module `$ModulePath
New-HydraDatabase -Connection (New-TestConnection Target) -Name '$name' -Extension columnar -WhatIf"
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match "^What if: Performing the operation ""Create database[^""]*"" on target ""[^""]*$name[^""]*""\.$"
        (New-HydraDatabase -Connection $script:Target -Name $name -IfNotExists).Created | Should -BeTrue -Because 'the -WhatIf run must not have created it'
    }

    It 'is shown with the columns of the format file' {
        $db = New-HydraDatabase -Connection $script:Target -Name $script:Name -IfNotExists
        Get-RenderedHeader $db | Should -Be (Get-ViewLabel 'HydraMigration.HydraDatabase')
    }

    It 'lists the locales the server offers when asked for one it lacks' {
        $err = $null
        New-HydraDatabase -Connection $script:Target -Name "$($script:Name)2" -Locale 'xx_NOWHERE.UTF-8' -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'LocaleNotAvailable,HydraMigration.Commands.NewHydraDatabaseCommand'
        "$($err[0])" | Should -Match 'It offers'
    }
}
