#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Needs no server: the packaged module, its manifest, help, parameter binding and bad input.
# Run after `dotnet build`:  Invoke-Pester ./tests/Pester

BeforeDiscovery {
    # The per-cmdlet tests below cover every cmdlet the module exports, so a new one needs no list
    # kept by hand; "exports exactly the cmdlets that exist" checks that export list against the code.
    Import-Module (Join-Path $PSScriptRoot '../../out/HydraMigration/HydraMigration.psd1') -Force
    $script:Commands = @((Get-Module HydraMigration).ExportedCmdlets.Keys | Sort-Object)
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $script:ModulePath -Force
}

AfterAll {
    Remove-Module HydraMigration -ErrorAction SilentlyContinue
}

Describe 'Module manifest' {
    It 'passes Test-ModuleManifest and supports Desktop and Core' {
        $info = Test-ModuleManifest -Path $script:ModulePath
        $info.CompatiblePSEditions | Should -Contain 'Desktop'
        $info.CompatiblePSEditions | Should -Contain 'Core'
        $info.Description | Should -Not -BeNullOrEmpty
        $info.ProjectUri | Should -Not -BeNullOrEmpty
        $info.LicenseUri | Should -Not -BeNullOrEmpty
    }

    It 'exports exactly the cmdlets that exist' {
        # The cmdlet classes in the assembly, not a list: the manifest's CmdletsToExport must name each.
        $defined = (Get-Module HydraMigration).ImplementingAssembly.GetExportedTypes() |
            ForEach-Object { $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) } |
            ForEach-Object { "$($_.VerbName)-$($_.NounName)" } | Sort-Object
        $defined | Should -Not -BeNullOrEmpty
        (Get-Module HydraMigration).ExportedCmdlets.Keys | Sort-Object | Should -Be $defined
    }

    It 'does not ship System.Management.Automation.dll' {
        Join-Path (Split-Path $script:ModulePath) 'System.Management.Automation.dll' | Should -Not -Exist
    }
}

Describe 'Help for <_>' -ForEach $script:Commands {
    BeforeAll {
        $script:Help = Get-Help $_ -Full
        $script:Command = Get-Command $_
    }

    It 'has a synopsis, a description and at least two examples' {
        $script:Help.Synopsis | Should -Not -BeNullOrEmpty
        ($script:Help.description.Text -join ' ').Length | Should -BeGreaterThan 40
        @($script:Help.examples.example).Count | Should -BeGreaterOrEqual 2
    }

    It 'documents every parameter' {
        $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
        $documented = $script:Help.parameters.parameter | Where-Object { ($_.description.Text -join '').Length -gt 10 } | ForEach-Object name
        foreach ($name in $script:Command.Parameters.Keys | Where-Object { $_ -notin $common -or $_ -in 'WhatIf', 'Confirm' }) {
            $documented | Should -Contain $name -Because "-$name needs help text"
        }
    }
}

Describe 'New-HydraConnection' {
    It 'fills in defaults' {
        # libpq's variables supply defaults too; set aside the ones an admin often has.
        $saved = @{}
        foreach ($name in 'PGPORT', 'PGSSLMODE') { $saved[$name] = [Environment]::GetEnvironmentVariable($name); [Environment]::SetEnvironmentVariable($name, $null) }
        try { $c = New-HydraConnection -HostName db1 -Database shop -UserName admin }
        finally { foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) } }
        $c.Port | Should -Be 5432
        $c.SslMode | Should -Be 'Prefer'
        "$c" | Should -Be 'admin@db1:5432/shop'
    }

    It 'parses a libpq URI' {
        $c = New-HydraConnection -ConnectionString 'postgresql://alice@db.example.net:6543/sales?sslmode=require'
        $c.HostName | Should -Be 'db.example.net'
        $c.Port | Should -Be 6543
        $c.Database | Should -Be 'sales'
        $c.UserName | Should -Be 'alice'
        $c.SslMode | Should -Be 'Require'
    }

    It 'parses a key=value string with quoting' {
        $c = New-HydraConnection -ConnectionString "host=db2 dbname='it\'s here' user=carol sslmode=verify-full"
        $c.Database | Should -Be "it's here"
        $c.SslMode | Should -Be 'VerifyFull'
    }

    It 'keeps a password from a URI out of every display' {
        $c = New-HydraConnection -ConnectionString 'postgresql://alice:TopSecret99@db/shop'
        $c.HasPassword | Should -BeTrue
        "$c" | Should -Not -Match 'TopSecret99'
        ($c | Out-String) | Should -Not -Match 'TopSecret99'
    }

    It 'makes one connection per piped object' {
        $rows = @(
            [pscustomobject]@{ HostName = 'east'; Port = '5433'; Database = 'a'; UserName = 'u1' }
            [pscustomobject]@{ HostName = 'west'; Port = '5434'; Database = 'b'; UserName = 'u2' }
        )
        ($rows | New-HydraConnection | ForEach-Object { "$_" }) | Should -Be @('u1@east:5433/a', 'u2@west:5434/b')
    }

    It 'rejects an unknown option without echoing the password' {
        $err = $null
        New-HydraConnection -ConnectionString 'host=db password=TopSecret99 bogus=1' -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'ConnectionStringInvalid,HydraMigration.Commands.NewHydraConnectionCommand'
        "$($err[0])" | Should -Not -Match 'TopSecret99'
    }

    It 'rejects a port out of range at binding' {
        { New-HydraConnection -Port 70000 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,HydraMigration.Commands.NewHydraConnectionCommand'
    }
}

Describe 'New-HydraDump without a server' {
    It 'reports an unreachable server as ServerUnreachable and writes nothing' {
        $folder = Join-Path ([IO.Path]::GetTempPath()) ([guid]::NewGuid())
        New-Item -ItemType Directory $folder | Out-Null
        try {
            $err = $null
            New-HydraDump -HostName 127.0.0.1 -Port 1 -Database x -UserName u -ConnectTimeout 3 -Path (Join-Path $folder 'x.dump') -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be 'ServerUnreachable,HydraMigration.Commands.NewHydraDumpCommand'
            Get-ChildItem $folder | Should -BeNullOrEmpty
        }
        finally {
            Remove-Item $folder -Recurse -Force
        }
    }

    It 'supports -WhatIf' {
        (Get-Command New-HydraDump).Parameters.Keys | Should -Contain 'WhatIf'
    }
}

Describe 'Get-HydraDumpContent on bad input' {
    BeforeAll {
        $script:Folder = Join-Path ([IO.Path]::GetTempPath()) ([guid]::NewGuid())
        New-Item -ItemType Directory $script:Folder | Out-Null
    }

    AfterAll {
        Remove-Item $script:Folder -Recurse -Force
    }

    It 'says a random file is not an archive' {
        $file = Join-Path $script:Folder 'random.dump'
        [IO.File]::WriteAllBytes($file, [byte[]](1..200))
        $err = $null
        Get-HydraDumpContent $file -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'ArchiveNotRecognized,HydraMigration.Commands.GetHydraDumpContentCommand'
    }

    It 'says a cut-off header is truncated' {
        $file = Join-Path $script:Folder 'header.dump'
        Set-Content -Path $file -Value 'PGDMP' -NoNewline
        $err = $null
        Get-HydraDumpContent $file -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'ArchiveTruncated,HydraMigration.Commands.GetHydraDumpContentCommand'
    }

    It 'says a missing file is missing' {
        $err = $null
        Get-HydraDumpContent (Join-Path $script:Folder 'nope.dump') -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'ArchiveNotFound,HydraMigration.Commands.GetHydraDumpContentCommand'
    }
}

Describe 'Restore-HydraDump without a server' {
    It 'refuses -SingleTransaction with -Jobs' {
        $file = Join-Path ([IO.Path]::GetTempPath()) "$([guid]::NewGuid()).dump"
        Set-Content -Path $file -Value 'x'
        try {
            $err = $null
            Restore-HydraDump -Path $file -HostName 127.0.0.1 -Port 1 -Database x -SingleTransaction -Jobs 2 -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be 'SingleTransactionWithJobs,HydraMigration.Commands.RestoreHydraDumpCommand'
        }
        finally { Remove-Item $file }
    }

    It 'supports -WhatIf and binds a HydraDump and a HydraDatabase by property name' {
        $command = Get-Command Restore-HydraDump
        $command.Parameters.Keys | Should -Contain 'WhatIf'
        $command.Parameters['Path'].Attributes.ValueFromPipelineByPropertyName | Should -Contain $true
        $command.Parameters['Connection'].Attributes.ValueFromPipelineByPropertyName | Should -Contain $true
        $command.Parameters['Entry'].Attributes.ValueFromPipeline | Should -Contain $true
    }
}

Describe 'Test-HydraMigration without a server' {
    It 'binds a HydraRestoreResult (Connection, Dump, NoOwner) and a HydraDump (Manifest) by property name' {
        $command = Get-Command Test-HydraMigration
        foreach ($name in 'Connection', 'Dump', 'Manifest', 'NoOwner') {
            $command.Parameters[$name].Attributes.ValueFromPipelineByPropertyName | Should -Contain $true
        }
        $command.OutputType.Name | Should -Contain 'HydraMigration.HydraValidationResult'
    }

    It 'says a server cannot be reached' {
        $err = $null
        Test-HydraMigration -HostName 127.0.0.1 -Port 1 -Database x -ConnectTimeout 3 -Manifest ([HydraMigration.DumpManifest]::new()) -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'ServerUnreachable,HydraMigration.Commands.TestHydraMigrationCommand'
    }
}

Describe 'SSH and copy cmdlets without a server' {
    BeforeAll { Import-Module $script:ModulePath -Force }

    It 'refuses a port where nothing listens with SshConnectionRefused' {
        $err = $null
        New-HydraSshSession -HostName 127.0.0.1 -Port 1 -UserName x -Credential ([pscredential]::new('x', (ConvertTo-SecureString 'x' -AsPlainText -Force))) -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'SshConnectionRefused,HydraMigration.Commands.NewHydraSshSessionCommand'
    }

    It 'copies a local archive locally, verified against its manifest, and refuses to overwrite' {
        $folder = Join-Path ([IO.Path]::GetTempPath()) ([guid]::NewGuid())
        New-Item -ItemType Directory $folder | Out-Null
        try {
            $file = Join-Path $folder 'a.dump'
            [IO.File]::WriteAllBytes($file, [byte[]](1..200))
            $hash = (Get-FileHash $file -Algorithm SHA256).Hash.ToLowerInvariant()
            # Every field a manifest must have (Dump/ManifestSchema.cs): a partial one is refused when read.
            "{ ""manifestVersion"": 1, ""createdBy"": ""test"", ""createdUtc"": ""2026-01-01T00:00:00Z"", ""archive"": { ""format"": ""Custom"", ""fileName"": ""a.dump"", ""sizeBytes"": 200, ""sha256"": ""$hash"", ""files"": [], ""pgDumpVersion"": ""15"" }, ""source"": { ""host"": ""h"", ""port"": 5432, ""database"": ""d"", ""serverVersion"": ""15"", ""serverVersionNum"": 150000, ""encoding"": ""UTF8"" }, ""options"": {}, ""extensions"": [], ""tables"": [], ""databaseSettings"": [], ""roles"": [] }" | Set-Content "$file.manifest.json"
            $copy = Copy-HydraDump -Path $file -Destination (Join-Path $folder 'b.dump')
            $copy.Sha256 | Should -Be $hash
            "$($copy.Path).manifest.json" | Should -Exist
            $err = $null
            Copy-HydraDump -Path $file -Destination (Join-Path $folder 'b.dump') -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be 'CopyDestinationExists,HydraMigration.Commands.CopyHydraDumpCommand'
        }
        finally { Remove-Item $folder -Recurse -Force }
    }
}
