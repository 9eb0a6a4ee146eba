using System;
using System.Linq;
using System.Management.Automation;
using HydraMigration.Direct;

namespace HydraMigration.Commands;

/// <summary>
/// <para type="synopsis">Copies a database straight from one server to another, with no archive in between: the schema through pg_dump and pg_restore, the rows as parallel binary COPY streams in one snapshot, Hydra columnar options and database settings carried over.</para>
/// </summary>
[Cmdlet(VerbsCommon.Copy, "HydraDatabase", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = "https://github.com/hydramigration/HydraMigration/blob/main/README.md")]
[OutputType(typeof(HydraRestoreResult))]
public sealed class CopyHydraDatabaseCommand : HydraCmdlet
{
    // The options bind straight into the engine's request; DirectCopyRequest.For adds the servers.
    private readonly DirectCopyRequest _options = new();

    #region Parameters

    /// <summary>The database to copy from.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public HydraConnection Source { get; set; } = null!;

    /// <summary>The database to copy into (new with -CreateDatabase, or empty).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNull]
    public HydraConnection Destination { get; set; } = null!;

    /// <summary>Workers copying rows at once (each holds one session on either server).</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int Jobs { get => _options.Jobs; set => _options.Jobs = value; }

    /// <summary>pg_restore jobs building indexes and constraints after the rows (default: -Jobs).</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int IndexJobs { get => _options.IndexJobs; set => _options.IndexJobs = value; }

    /// <summary>Create the target database first (when it does not exist).</summary>
    [Parameter]
    public SwitchParameter CreateDatabase { get; set; }

    /// <summary>Copy only these schemas (pg_dump patterns, as New-HydraDump -Schema).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Schema { get => _options.Schemas.ToArray(); set => _options.Schemas = value; }

    /// <summary>Leave these schemas out.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] ExcludeSchema { get => _options.ExcludeSchemas.ToArray(); set => _options.ExcludeSchemas = value; }

    /// <summary>Copy only these tables (pg_dump patterns, as New-HydraDump -Table).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Table { get => _options.Tables.ToArray(); set => _options.Tables = value; }

    /// <summary>Leave these tables out.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] ExcludeTable { get => _options.ExcludeTables.ToArray(); set => _options.ExcludeTables = value; }

    /// <summary>Copy these tables' definitions but not their rows.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] ExcludeTableData { get => _options.ExcludeTableData.ToArray(); set => _options.ExcludeTableData = value; }

    /// <summary>Do not copy ownership: objects belong to the destination's login.</summary>
    [Parameter]
    public SwitchParameter NoOwner { get => _options.NoOwner; set => _options.NoOwner = value; }

    /// <summary>Do not copy privileges.</summary>
    [Parameter]
    public SwitchParameter NoAcl { get => _options.NoAcl; set => _options.NoAcl = value; }

    /// <summary>Create tables with the target's default access method (heap) instead of the source's (columnar).</summary>
    [Parameter]
    public SwitchParameter NoTableAccessMethod { get => _options.NoTableAccessMethod; set => _options.NoTableAccessMethod = value; }

    /// <summary>Create roles the schema needs and the target lacks, as NOLOGIN roles.</summary>
    [Parameter]
    public SwitchParameter CreateMissingRole { get => _options.CreateMissingRole; set => _options.CreateMissingRole = value; }

    /// <summary>Copy into a database that already holds objects.</summary>
    [Parameter]
    public SwitchParameter Force { get => _options.Force; set => _options.Force = value; }

    /// <summary>Also write the manifest the copy recorded in its snapshot to this file (for Test-HydraMigration -Manifest later).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ManifestPath { get; set; }

    /// <summary>When the copy fails or is stopped, keep the database -CreateDatabase made and the roles -CreateMissingRole made, instead of dropping them.</summary>
    [Parameter]
    public SwitchParameter KeepFailedDatabase { get; set; }

    /// <summary>Folder holding pg_dump and pg_restore; overrides $env:HYDRA_PG_BIN and the search.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PgBinPath { get; set; }

    #endregion

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        try
        {
            Copy();
        }
        catch (HydraException ex)
        {
            WriteHydraError(ex);
        }
        catch (Exception ex) when (ex is not PipelineStoppedException and not OperationCanceledException)
        {
            WriteUnexpectedError(ex, HydraErrors.CopyFailed, Destination);
        }
    }

    private void Copy()
    {
        var target = Destination;
        var request = _options.For(Source, target, ManifestPath is null ? null : GetUnresolvedProviderPathFromPSPath(ManifestPath), PgBinPath is null ? null : GetUnresolvedProviderPathFromPSPath(PgBinPath));

        using var plan = RunOperation("Copy-HydraDatabase preflight", (reporter, token) => DirectCopyOperation.PlanAsync(request, CreateDatabase, KeepFailedDatabase, reporter, token));
        if (plan.Problems.Count > 0)
        {
            // Every problem at once, before anything is written.
            foreach (var problem in plan.Problems)
            {
                WriteHydraError(problem);
            }

            return;
        }

        Execute(plan, "Copy-HydraDatabase " + Source.ServerDisplay + " to " + target.ServerDisplay, result =>
        {
            RestoreHydraDumpCommand.WriteIssues(this, result);
            WriteObject(result);
        });
    }
}
