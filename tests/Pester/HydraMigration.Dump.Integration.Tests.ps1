#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Integration tests against a real server you name. Skipped unless these are set:
#   $env:HYDRA_TEST_SOURCE    a libpq URI or key=value string of a database that may be dumped
#   $env:HYDRA_TEST_SOURCE_PASSWORD (or $env:HYDRA_TEST_PASSWORD)  its password (or rely on PGPASSWORD / .pgpass)
# pg_dump of the server's major version or newer must be installed.

BeforeDiscovery {
    $script:Skip = -not $env:HYDRA_TEST_SOURCE
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $script:ModulePath -Force
    $script:Source = New-TestConnection Source
    $script:Folder = Join-Path ([IO.Path]::GetTempPath()) ([guid]::NewGuid())
    New-Item -ItemType Directory $script:Folder | Out-Null
}

AfterAll {
    if ($script:Folder) { Remove-Item $script:Folder -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'New-HydraDump against $env:HYDRA_TEST_SOURCE' -Skip:$script:Skip {
    It 'writes a custom archive and a manifest whose hash matches' {
        $dump = New-HydraDump -Connection $script:Source -Path (Join-Path $script:Folder 'it.dump')
        $dump.Path | Should -Exist
        $dump.ManifestPath | Should -Exist
        (Get-FileHash $dump.Path -Algorithm SHA256).Hash.ToLowerInvariant() | Should -Be $dump.Sha256
        $manifest = Get-Content $dump.ManifestPath -Raw | ConvertFrom-Json
        $manifest.tables.Count | Should -Be $dump.TableCount
    }

    It 'refuses to overwrite without -Force and replaces with it' {
        $path = Join-Path $script:Folder 'twice.dump'
        New-HydraDump -Connection $script:Source -Path $path | Out-Null
        $err = $null
        New-HydraDump -Connection $script:Source -Path $path -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'DumpAlreadyExists,HydraMigration.Commands.NewHydraDumpCommand'
        New-HydraDump -Connection $script:Source -Path $path -Force | Should -Not -BeNullOrEmpty
    }

    It 'dumps a directory archive in parallel' {
        $dump = New-HydraDump -Connection $script:Source -Path (Join-Path $script:Folder 'it.d') -Format Directory -Jobs 2
        Join-Path $dump.Path 'toc.dat' | Should -Exist
        $dump.Manifest.Archive.Files.Count | Should -BeGreaterThan 0
    }

    It 'lists the archive content' {
        $entries = Get-HydraDumpContent (Join-Path $script:Folder 'it.dump')
        $entries | Should -Not -BeNullOrEmpty
        $entries[0].PSObject.TypeNames[0] | Should -Be 'HydraMigration.HydraDumpEntry'
    }

    It 'shows a dump and its entries with the columns of the format file' {
        $dump = New-HydraDump -Connection $script:Source -Path (Join-Path $script:Folder 'view.dump')
        Get-RenderedHeader $dump | Should -Be (Get-ViewLabel 'HydraMigration.HydraDump')
        Get-RenderedHeader (Get-HydraDumpContent $dump.Path) | Should -Be (Get-ViewLabel 'HydraMigration.HydraDumpEntry')
    }

    It '-WhatIf says where it would dump what, in a console, and writes nothing' {
        $path = Join-Path $script:Folder 'whatif.dump'
        $run = Invoke-FreshPwsh ". `$HydraHelpers; Import-Module `$ModulePath
New-HydraDump -Connection (New-TestConnection Source) -Path '$path' -WhatIf"
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match "^What if: Performing the operation ""Dump [^""]+ with pg_dump \(Custom format\)"" on target ""$([regex]::Escape($path))""\.$"
        $path | Should -Not -Exist
        "$path.manifest.json" | Should -Not -Exist
    }

    It 'rejects a wrong password with AuthenticationFailed' {
        $bad = New-HydraConnection -ConnectionString $env:HYDRA_TEST_SOURCE -Credential ([pscredential]::new($script:Source.UserName, (ConvertTo-SecureString 'wrong-password-42' -AsPlainText -Force)))
        $err = $null
        New-HydraDump -Connection $bad -Path (Join-Path $script:Folder 'bad.dump') -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'AuthenticationFailed,HydraMigration.Commands.NewHydraDumpCommand'
        "$($err[0])" | Should -Not -Match 'wrong-password-42'
        Join-Path $script:Folder 'bad.dump' | Should -Not -Exist
    }
}
