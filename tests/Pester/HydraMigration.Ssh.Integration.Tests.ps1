#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Integration tests against an SSH server you name. Skipped unless these are set:
#   $env:HYDRA_TEST_SSH_HOST      host name (its key must be in ~/.ssh/known_hosts, or see below)
#   $env:HYDRA_TEST_SSH_USER      user to log in as
#   $env:HYDRA_TEST_SSH_KEY       private key file of that user (or $env:HYDRA_TEST_SSH_PASSWORD)
#   $env:HYDRA_TEST_SSH_PORT      optional, default 22
#   $env:HYDRA_TEST_SSH_FOLDER    optional: a folder on that host the user may write (default /tmp)
#   $env:HYDRA_TEST_SSH_FINGERPRINT  optional: pin the host key (SHA256:...) instead of known_hosts
# The dump tests also need $env:HYDRA_TEST_SOURCE (a connection string of a database as the SSH
# host sees it, often host=localhost) with $env:HYDRA_TEST_SOURCE_PASSWORD (or
# $env:HYDRA_TEST_PASSWORD), and pg_dump on that host.

BeforeDiscovery {
    $script:Skip = -not ($env:HYDRA_TEST_SSH_HOST -and $env:HYDRA_TEST_SSH_USER -and ($env:HYDRA_TEST_SSH_KEY -or $env:HYDRA_TEST_SSH_PASSWORD))
    $script:SkipDump = $script:Skip -or -not $env:HYDRA_TEST_SOURCE
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $script:ModulePath -Force
    $script:Login = Get-TestSshLogin
    $script:RemoteFolder = if ($env:HYDRA_TEST_SSH_FOLDER) { $env:HYDRA_TEST_SSH_FOLDER } else { '/tmp' }
    $script:Local = Join-Path ([IO.Path]::GetTempPath()) ([guid]::NewGuid())
    New-Item -ItemType Directory $script:Local | Out-Null
}

AfterAll {
    Get-HydraSshSession | Remove-HydraSshSession
    if ($script:Local) { Remove-Item $script:Local -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'New-HydraSshSession' -Skip:$script:Skip {
    It 'opens a session with a verified host key and closes it' {
        $s = New-HydraSshSession @script:Login
        $s.IsConnected | Should -BeTrue
        $s.HostKeyFingerprint | Should -Match '^SHA256:[A-Za-z0-9+/]{43}$'
        Get-HydraSshSession -Id $s.Id | Should -Be $s
        Remove-HydraSshSession $s
        $s.IsConnected | Should -BeFalse
    }

    It 'refuses an unknown host and says how to trust it' {
        $empty = Join-Path $script:Local 'empty_known_hosts'
        $login = $script:Login.Clone(); $login.Remove('HostKeyFingerprint')
        $err = $null
        New-HydraSshSession @login -KnownHostsPath $empty -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'SshHostKeyUnknown,HydraMigration.Commands.NewHydraSshSessionCommand'
        $err[0].Exception.Message | Should -Match 'SHA256:'
        $empty | Should -Not -Exist
    }

    It 'trusts on first use with -AcceptNewHostKey and writes known_hosts' {
        $file = Join-Path $script:Local 'tofu_known_hosts'
        $login = $script:Login.Clone(); $login.Remove('HostKeyFingerprint')
        New-HydraSshSession @login -KnownHostsPath $file -AcceptNewHostKey | Remove-HydraSshSession
        (Get-Content $file).Count | Should -Be 1
    }

    It 'refuses a changed host key' {
        $file = Join-Path $script:Local 'changed_known_hosts'
        $name = if ($script:Login.Port -and $script:Login.Port -ne 22) { "[$($script:Login.HostName)]:$($script:Login.Port)" } else { $script:Login.HostName }
        "$name ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHt3ZbDUo7gqE6XKSNN2ZYS8iGqxaJ0mLLzQ7w4m8Ln9" | Set-Content $file
        $login = $script:Login.Clone(); $login.Remove('HostKeyFingerprint')
        $err = $null
        New-HydraSshSession @login -KnownHostsPath $file -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeIn @('SshHostKeyChanged,HydraMigration.Commands.NewHydraSshSessionCommand', 'SshHostKeyUnknown,HydraMigration.Commands.NewHydraSshSessionCommand')
    }

    It 'is shown with the columns of the format file' {
        $s = New-HydraSshSession @script:Login
        try { Get-RenderedHeader $s | Should -Be (Get-ViewLabel 'HydraMigration.HydraSshSession') }
        finally { Remove-HydraSshSession $s }
    }

    It 'Remove-HydraSshSession -WhatIf says which session it would close, in a console, and keeps it open' {
        $run = Invoke-FreshPwsh ". `$HydraHelpers; Import-Module `$ModulePath
`$login = Get-TestSshLogin
`$s = New-HydraSshSession @login
Remove-HydraSshSession `$s -WhatIf
'connected: ' + `$s.IsConnected
Remove-HydraSshSession `$s"
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match "(?m)^What if: Performing the operation ""Close SSH session"" on target ""[^""]*$([regex]::Escape($script:Login.HostName))[^""]*\(Id \d+\)""\.$"
        $run.Output | Should -Match '(?m)^connected: True$'
    }

    It 'reports a refused port with its own error id' {
        $err = $null
        New-HydraSshSession -HostName 127.0.0.1 -Port 1 -UserName x -Credential ([pscredential]::new('x', (ConvertTo-SecureString 'x' -AsPlainText -Force))) -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'SshConnectionRefused,HydraMigration.Commands.NewHydraSshSessionCommand'
    }
}

Describe 'Dumps on the SSH host and copies' -Skip:$script:SkipDump {
    BeforeAll {
        $script:Session = New-HydraSshSession @script:Login
        $script:Source = New-TestConnection Source
    }

    It 'runs pg_dump on the SSH host and brings the archive back verified' {
        $remote = "$($script:RemoteFolder)/hydra-pester-$([guid]::NewGuid().ToString('N')).dump"
        $dump = New-HydraDump -Connection $script:Source -SshSession $script:Session -Path $remote
        $dump.SshSession | Should -Be $script:Session
        $copy = $dump | Copy-HydraDump -Destination $script:Local
        $copy.SshSession | Should -BeNullOrEmpty
        (Get-FileHash $copy.Path -Algorithm SHA256).Hash.ToLowerInvariant() | Should -Be $dump.Sha256
        $copy.ManifestPath | Should -Exist
    }

    It 'uploads a local dump to the SSH host, verified' {
        $local = New-HydraDump -Connection (New-HydraConnection -ConnectionString $env:HYDRA_TEST_SOURCE -SshTunnel $script:Session -Credential $script:Source.Credential) -Path (Join-Path $script:Local 'up.dump')
        $up = $local | Copy-HydraDump -ToSession $script:Session -Destination "$($script:RemoteFolder)/"
        $up.SshSession | Should -Be $script:Session
        $up.Sha256 | Should -Be $local.Sha256
    }

    It 'dumps with inline -Ssh* parameters, connected for that call only, and the piped copy logs in again' {
        # The same login, as the inline parameters every SSH-using cmdlet takes.
        $inline = @{ SshHostName = $script:Login.HostName; SshUserName = $script:Login.UserName }
        foreach ($key in 'Port', 'KeyFile', 'Credential', 'HostKeyFingerprint') { if ($script:Login.ContainsKey($key)) { $inline["Ssh$key"] = $script:Login[$key] } }
        $remote = "$($script:RemoteFolder)/hydra-pester-$([guid]::NewGuid().ToString('N')).dump"
        $dump = New-HydraDump -Connection $script:Source -Path $remote @inline
        $dump.SshSession.OpensPerCall | Should -BeTrue
        $dump.SshSession.IsConnected | Should -BeFalse
        Get-HydraSshSession | Where-Object { $_ -eq $dump.SshSession } | Should -BeNullOrEmpty
        $copy = $dump | Copy-HydraDump -Destination (Join-Path $script:Local 'inline.dump')
        $copy.Sha256 | Should -Be $dump.Sha256
    }

    It 'refuses -Ssh* login options without a host' {
        $err = $null
        New-HydraDump -Connection $script:Source -Path (Join-Path $script:Local 'never.dump') -SshPort 2222 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'SshHostNameMissing,HydraMigration.Commands.NewHydraDumpCommand'
        Join-Path $script:Local 'never.dump' | Should -Not -Exist
    }

    It 'refuses an existing destination on the SSH host without -Force, and replaces it with -Force' {
        # Its own archive and destination (not a file copied onto itself, which is CopySameFile).
        $name = "hydra-pester-$([guid]::NewGuid().ToString('N')).dump"
        $tunnelled = New-HydraConnection -ConnectionString $env:HYDRA_TEST_SOURCE -SshTunnel $script:Session -Credential $script:Source.Credential
        $local = New-HydraDump -Connection $tunnelled -Path (Join-Path $script:Local $name)
        $remote = "$($script:RemoteFolder)/$name"
        $local | Copy-HydraDump -ToSession $script:Session -Destination $remote | Out-Null
        $err = $null
        $local | Copy-HydraDump -ToSession $script:Session -Destination $remote -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'CopyDestinationExists,HydraMigration.Commands.CopyHydraDumpCommand'
        ($local | Copy-HydraDump -ToSession $script:Session -Destination $remote -Force).Sha256 | Should -Be $local.Sha256
    }
}
