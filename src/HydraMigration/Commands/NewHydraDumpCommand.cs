using System;
using System.Management.Automation;
using HydraMigration.Dump;

namespace HydraMigration.Commands;

/// <summary>
/// <para type="synopsis">Dumps a database with pg_dump and writes a manifest of what the dump holds.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "HydraDump", DefaultParameterSetName = InlineSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, HelpUri = "https://github.com/hydramigration/HydraMigration/blob/main/README.md")]
[OutputType(typeof(HydraDump))]
public sealed class NewHydraDumpCommand : HydraServerCmdlet, IDynamicParameters
{
    #region Parameters

    /// <summary>The archive to write, or an existing folder to write a generated name into.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>Custom (default), Directory, Tar or Plain.</summary>
    [Parameter]
    public HydraDumpFormat Format { get; set; } = HydraDumpFormat.Custom;

    /// <summary>Parallel pg_dump workers (Directory format only).</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int Jobs { get; set; } = 1;

    /// <summary>Dump only schemas matching these patterns.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Schema { get; set; } = Array.Empty<string>();

    /// <summary>Leave out schemas matching these patterns.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] ExcludeSchema { get; set; } = Array.Empty<string>();

    /// <summary>Dump only tables matching these patterns.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Table { get; set; } = Array.Empty<string>();

    /// <summary>Leave out tables matching these patterns.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] ExcludeTable { get; set; } = Array.Empty<string>();

    /// <summary>Keep these tables' definitions but not their rows.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] ExcludeTableData { get; set; } = Array.Empty<string>();

    /// <summary>Definitions only.</summary>
    [Parameter]
    public SwitchParameter SchemaOnly { get; set; }

    /// <summary>Rows only.</summary>
    [Parameter]
    public SwitchParameter DataOnly { get; set; }

    /// <summary>Leave out ownership (plain format; archives keep it for pg_restore to decide).</summary>
    [Parameter]
    public SwitchParameter NoOwner { get; set; }

    /// <summary>Leave out privileges (GRANT/REVOKE).</summary>
    [Parameter]
    public SwitchParameter NoAcl { get; set; }

    /// <summary>pg_dump's --compress value: 0-9, or method[:level] on pg_dump 16+.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Compression { get; set; }

    /// <summary>Skip the exact per-table row counts (for very large databases).</summary>
    [Parameter]
    public SwitchParameter SkipRowCount { get; set; }

    /// <summary>Replace an existing archive at -Path.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Folder holding pg_dump; overrides $env:HYDRA_PG_BIN and the search of PATH and the usual install folders.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PgBinPath { get; set; }

    /// <summary>Run pg_dump on this SSH host (next to the source) and leave the archive there; -Connection is the source as that host sees it.</summary>
    [Parameter]
    [ValidateNotNull]
    public HydraSshSession? SshSession { get; set; }

    /// <summary>Run pg_dump on this SSH host, logged in with the -Ssh* parameters for this call only.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SshHostName { get; set; }

    #endregion

    private readonly SshLoginParameters _sshLogin = new();
    private HydraSshSession? _oneCallSession;

    /// <inheritdoc />
    public object GetDynamicParameters() => _sshLogin;

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        try
        {
            var source = ResolveConnection();
            SshLoginParameters.RefuseBoth(SshSession, SshHostName, nameof(SshSession), nameof(SshHostName));
            SshLoginParameters.RequireHost(this, SshHostName is not null, "-SshHostName");
            var session = SshSession ?? (_oneCallSession ??= _sshLogin.SessionFor(this, SshHostName));

            // On an SSH host the path is that host's own: PowerShell's current folder means nothing there.
            var path = session is null ? GetUnresolvedProviderPathFromPSPath(Path) : Path;
            var where = session is null ? "" : " on the SSH host " + session;
            if (!ShouldProcess(path + where, "Dump " + source.ServerDisplay + " with pg_dump (" + Format + " format)"))
            {
                return;
            }

            var request = new DumpRequest(source, path)
            {
                Format = Format,
                Jobs = Jobs,
                Schemas = Schema,
                ExcludeSchemas = ExcludeSchema,
                Tables = Table,
                ExcludeTables = ExcludeTable,
                ExcludeTableData = ExcludeTableData,
                SchemaOnly = SchemaOnly,
                DataOnly = DataOnly,
                NoOwner = NoOwner,
                NoAcl = NoAcl,
                Compression = Compression,
                SkipRowCount = SkipRowCount,
                Force = Force,
                PgBinPath = PgBinPath is null || session is not null ? PgBinPath : GetUnresolvedProviderPathFromPSPath(PgBinPath),
                SshSession = session,
            };
            WriteObject(RunOperation("New-HydraDump " + source.ServerDisplay, (reporter, token) => new DumpService(reporter).RunAsync(request, token)));
        }
        catch (HydraException ex)
        {
            WriteHydraError(ex);
        }
        catch (Exception ex) when (ex is not PipelineStoppedException and not OperationCanceledException)
        {
            WriteUnexpectedError(ex, HydraErrors.DumpFailed, Path);
        }
    }
}
