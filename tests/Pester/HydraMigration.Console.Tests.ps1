#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Needs no server: the module as a user meets it in a pwsh console — imported by path and from
# $env:PSModulePath in a fresh process, Get-Help as it prints, tab completion, -WhatIf's text and
# the table views as pwsh renders them. What a hosted engine inside xUnit cannot show.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '../../out/HydraMigration/HydraMigration.psd1') -Force
    $script:Commands = @((Get-Module HydraMigration).ExportedCmdlets.Keys | Sort-Object)
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $script:ModulePath -Force
    $script:Version = (Import-PowerShellDataFile $script:ModulePath).ModuleVersion
    $script:CmdletCount = (Get-Module HydraMigration).ExportedCmdlets.Count
}

Describe 'Importing in a fresh pwsh' {
    It 'imports by path and exports every cmdlet' {
        $run = Invoke-FreshPwsh "Import-Module '$($script:ModulePath -replace "'", "''")'
`$m = Get-Module HydraMigration
'{0}|{1}' -f `$m.Version, `$m.ExportedCmdlets.Count"
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output.Trim() | Should -Be "$($script:Version)|$($script:CmdletCount)"
    }

    Context 'from a folder on $env:PSModulePath' {
        BeforeAll {
            # What "copy out/HydraMigration into a folder on $env:PSModulePath" gives a user.
            $script:Modules = Join-Path $TestDrive 'Modules'
            New-Item -ItemType Directory $script:Modules | Out-Null
            Copy-Item -Recurse (Resolve-Path $script:ModuleFolder) (Join-Path $script:Modules 'HydraMigration')
            $script:SavedModulePath = $env:PSModulePath
            $env:PSModulePath = $script:Modules + [IO.Path]::PathSeparator + $env:PSModulePath
        }

        AfterAll {
            $env:PSModulePath = $script:SavedModulePath
        }

        It 'is listed and imported by name' {
            $run = Invoke-FreshPwsh "(Get-Module -ListAvailable HydraMigration | ForEach-Object { '{0}|{1}' -f `$_.Version, `$_.ModuleBase }) -join ';'
Import-Module HydraMigration
(Get-Module HydraMigration).ModuleBase"
            $run.ExitCode | Should -Be 0 -Because $run.Output
            $lines = $run.Output.Trim() -split "`n"
            $lines[0] | Should -Be "$($script:Version)|$(Join-Path $script:Modules 'HydraMigration')"
            $lines[1] | Should -Be (Join-Path $script:Modules 'HydraMigration')
        }

        It 'loads itself the first time a cmdlet is used, with no Import-Module' {
            $run = Invoke-FreshPwsh "'{0}|{1}' -f (New-HydraConnection -HostName db1 -Port 5433 -Database shop -UserName admin), (Get-Module HydraMigration).ModuleBase"
            $run.ExitCode | Should -Be 0 -Because $run.Output
            $run.Output.Trim() | Should -Be "admin@db1:5433/shop|$(Join-Path $script:Modules 'HydraMigration')"
        }
    }
}

Describe 'Get-Help <_> as it prints' -ForEach $script:Commands {
    BeforeAll {
        $script:Name = $_
        $script:Text = Get-Help $_ | Out-String -Width 200
        $script:Examples = Get-Help $_ -Examples | Out-String -Width 200
    }

    It 'prints the written synopsis, not the syntax pwsh makes up when help is missing' {
        $synopsis = (Get-Help $script:Name).Synopsis
        $synopsis | Should -Not -BeLike "$($script:Name)*"
        $script:Text | Should -Match "SYNOPSIS\s+$([regex]::Escape(($synopsis -split '\s+')[0..3] -join ' '))"
        $script:Text | Should -Match 'DESCRIPTION'
    }

    It 'prints examples that use the cmdlet' {
        $script:Examples | Should -Match 'Example 1'
        $script:Examples | Should -Match 'Example 2'
        $script:Examples | Should -Match ([regex]::Escape($script:Name))
    }
}

Describe 'Tab completion of <_>' -ForEach $script:Commands {
    BeforeAll {
        $script:Command = Get-Command $_
        function Complete([string] $Line) {
            (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText
        }
    }

    It 'completes every parameter name after a dash' {
        $offered = Complete "$($script:Command.Name) -"
        foreach ($name in $script:Command.Parameters.Keys) {
            $offered | Should -Contain "-$name"
        }
    }

    It 'completes the values of every enum or ValidateSet parameter' {
        foreach ($parameter in $script:Command.Parameters.Values) {
            $type = $parameter.ParameterType
            if ($type.IsArray) { $type = $type.GetElementType() }
            if ([Nullable]::GetUnderlyingType($type)) { $type = [Nullable]::GetUnderlyingType($type) }
            $set = $parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }
            $expected = if ($set) { $set.ValidValues } elseif ($type.IsEnum) { [enum]::GetNames($type) } else { continue }
            if ($parameter.Name -in [System.Management.Automation.Cmdlet]::CommonParameters) { continue }
            Complete "$($script:Command.Name) -$($parameter.Name) " | Sort-Object | Should -Be ($expected | Sort-Object) -Because "-$($parameter.Name) takes only these"
        }
    }
}

Describe '-WhatIf without a server' {
    It 'Copy-HydraDump says what it would copy where, and copies nothing' {
        $from = Join-Path $TestDrive 'a.dump'
        $to = Join-Path $TestDrive 'b.dump'
        [IO.File]::WriteAllBytes($from, [byte[]](1..200))
        $run = Invoke-FreshPwsh "Import-Module '$($script:ModulePath -replace "'", "''")'
Copy-HydraDump -Path '$from' -Destination '$to' -WhatIf"
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output.Trim() | Should -Be "What if: Performing the operation ""Copy dump $from"" on target ""$to""."
        $to | Should -Not -Exist
    }
}

Describe 'The HydraConnection view' {
    It 'shows the columns of the format file and hides the password' {
        $c = New-HydraConnection -ConnectionString 'postgresql://alice:TopSecret99@db.example.net:6543/sales'
        Get-RenderedHeader $c | Should -Be (Get-ViewLabel 'HydraMigration.HydraConnection')
        $row = ($c | Format-Table | Out-String -Width 300) -split "`n" | Where-Object { $_ -match 'db\.example\.net' }
        $row | Should -Match '^db\.example\.net\s+6543\s+sales\s+alice\s+\w+\s+\(set\)\s*$'
    }
}
