using System;
using System.Linq;
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
    public HydraDumpFormat Format { get => _options.Format; set => _options.Format = value; }

    /// <summary>Parallel pg_dump workers (Directory format only).</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int Jobs { get => _options.Jobs; set => _options.Jobs = value; }

    /// <summary>Dump only schemas matching these patterns.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Schema { get => _options.Schemas.ToArray(); set => _options.Schemas = value; }

    /// <summary>Leave out schemas matching these patterns.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] ExcludeSchema { get => _options.ExcludeSchemas.ToArray(); set => _options.ExcludeSchemas = value; }

    /// <summary>Dump only tables matching these patterns.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Table { get => _options.Tables.ToArray(); set => _options.Tables = value; }

    /// <summary>Leave out tables matching these patterns.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] ExcludeTable { get => _options.ExcludeTables.ToArray(); set => _options.ExcludeTables = value; }

    /// <summary>Keep these tables' definitions but not their rows.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] ExcludeTableData { get => _options.ExcludeTableData.ToArray(); set => _options.ExcludeTableData = value; }

    /// <summary>Definitions only.</summary>
    [Parameter]
    public SwitchParameter SchemaOnly { get => _options.SchemaOnly; set => _options.SchemaOnly = value; }

    /// <summary>Rows only.</summary>
    [Parameter]
    public SwitchParameter DataOnly { get => _options.DataOnly; set => _options.DataOnly = value; }

    /// <summary>Leave out ownership (plain format; archives keep it for pg_restore to decide).</summary>
    [Parameter]
    public SwitchParameter NoOwner { get => _options.NoOwner; set => _options.NoOwner = value; }

    /// <summary>Leave out privileges (GRANT/REVOKE).</summary>
    [Parameter]
    public SwitchParameter NoAcl { get => _options.NoAcl; set => _options.NoAcl = value; }

    /// <summary>pg_dump's --compress value: 0-9, or method[:level] on pg_dump 16+.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Compression { get => _options.Compression; set => _options.Compression = value; }

    /// <summary>Skip the exact per-table row counts (for very large databases).</summary>
    [Parameter]
    public SwitchParameter SkipRowCount { get => _options.SkipRowCount; set => _options.SkipRowCount = value; }

    /// <summary>Replace an existing archive at -Path.</summary>
    [Parameter]
    public SwitchParameter Force { get => _options.Force; set => _options.Force = value; }

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

    // The options bind straight into the engine's request; each source gets its own copy (DumpRequest.For).
    private readonly DumpRequest _options = new();
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

            // On an SSH host the paths are that host's own: PowerShell's current folder means nothing there.
            var local = session is null;
            var request = _options.For(source, local ? GetUnresolvedProviderPathFromPSPath(Path) : Path, session, PgBinPath is null || !local ? PgBinPath : GetUnresolvedProviderPathFromPSPath(PgBinPath));
            Execute(DumpOperation.Plan(request), "New-HydraDump " + source.ServerDisplay, WriteObject);
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
