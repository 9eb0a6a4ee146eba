#
# Module manifest for HydraMigration.
# ModuleVersion is stamped by the build from Directory.Build.props: import the packaged
# module in out/HydraMigration, not this source file.
#
@{
    RootModule           = 'HydraMigration.dll'
    ModuleVersion        = '0.0.0'
    GUID                 = '6f0c6a3e-4a55-4a43-9a4e-8f2f5d1c7b21'
    Author               = 'HydraMigration contributors'
    CompanyName          = 'HydraMigration'
    Copyright            = '(c) HydraMigration contributors. MIT License.'
    Description          = 'Moves Hydra (PostgreSQL + columnar) databases between servers with pg_dump and pg_restore: dumps with a manifest taken in the dump''s own snapshot, SSH transfer, restore with Hydra columnar options carried over, and validation that nothing was lost.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess     = @('HydraMigration.format.ps1xml')
    CmdletsToExport      = @(
        'New-HydraConnection'
        'New-HydraDump'
        'Get-HydraDumpContent'
        'New-HydraDatabase'
        'Restore-HydraDump'
        'New-HydraSshSession'
        'Get-HydraSshSession'
        'Remove-HydraSshSession'
        'Copy-HydraDump'
        'Copy-HydraDatabase'
        'Test-HydraMigration'
        'Invoke-HydraMigration'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('PostgreSQL', 'Hydra', 'columnar', 'migration', 'pg_dump', 'pg_restore', 'backup', 'database', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            ProjectUri   = 'https://github.com/hydramigration/HydraMigration'
            LicenseUri   = 'https://github.com/hydramigration/HydraMigration/blob/main/LICENSE'
            ReleaseNotes = 'New-HydraConnection (with -SshTunnel); New-HydraDump with a manifest taken in the dump''s own snapshot, locally or on an SSH host; Get-HydraDumpContent; New-HydraDatabase; Restore-HydraDump with a preflight and Hydra columnar options and database settings carried over; New-, Get-, Remove-HydraSshSession with verified host keys, or inline -Ssh* parameters for a session that lasts one call; Copy-HydraDump, verified and resumable; Test-HydraMigration against the dump''s manifest or the live source.'
        }
    }
}
