using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using HydraMigration.Infrastructure;
using HydraMigration.Restore;

namespace HydraMigration.Commands;

/// <summary>
/// <para type="synopsis">Restores a dump into a database, after a preflight, carrying Hydra columnar options and database settings over.</para>
/// </summary>
[Cmdlet(VerbsData.Restore, "HydraDump", DefaultParameterSetName = InlineSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = "https://github.com/hydramigration/HydraMigration/blob/main/README.md")]
[OutputType(typeof(HydraRestoreResult))]
public sealed class RestoreHydraDumpCommand : HydraDatabaseOptionsCmdlet
{
    // The options bind straight into the engine's request; each archive gets its own copy (RestoreRequest.For).
    private readonly RestoreRequest _request = new();
    private readonly Dictionary<string, List<int>> _selected = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DumpManifest?> _manifests = new(StringComparer.Ordinal);
    private HydraConnection? _selectionTarget;

    #region Parameters

    /// <summary>The archive: a custom or tar file, or a directory-format folder. Binds from a HydraDump or HydraDumpEntry.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>The dump's manifest (binds from a HydraDump); otherwise the one beside the archive is read.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public DumpManifest? Manifest { get; set; }

    /// <summary>Binds from a HydraDump that lives on an SSH host: such a dump is refused, with the way to copy it here.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public HydraSshSession? SshSession { get; set; }

    /// <summary>Entries from Get-HydraDumpContent: only these are restored.</summary>
    [Parameter(ValueFromPipeline = true)]
    public HydraDumpEntry[]? Entry { get; set; }

    /// <summary>Parallel pg_restore jobs.</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int Jobs { get => _request.Jobs; set => _request.Jobs = value; }

    /// <summary>Do not restore ownership: objects belong to the restoring role.</summary>
    [Parameter]
    public SwitchParameter NoOwner { get => _request.NoOwner; set => _request.NoOwner = value; }

    /// <summary>Do not restore privileges.</summary>
    [Parameter]
    public SwitchParameter NoAcl { get => _request.NoAcl; set => _request.NoAcl = value; }

    /// <summary>Drop the archive's objects before recreating them (--clean --if-exists), in one transaction so a failure leaves the target as it was.</summary>
    [Parameter]
    public SwitchParameter Clean { get => _request.Clean; set => _request.Clean = value; }

    /// <summary>Restore as one transaction (not with -Jobs).</summary>
    [Parameter]
    public SwitchParameter SingleTransaction { get => _request.SingleTransaction; set => _request.SingleTransaction = value; }

    /// <summary>Stop at the first error.</summary>
    [Parameter]
    public SwitchParameter ExitOnError { get => _request.ExitOnError; set => _request.ExitOnError = value; }

    /// <summary>Create tables with the target's default access method (heap) instead of the archive's (columnar).</summary>
    [Parameter]
    public SwitchParameter NoTableAccessMethod { get => _request.NoTableAccessMethod; set => _request.NoTableAccessMethod = value; }

    /// <summary>Restore only these schemas.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Schema { get => _request.Schemas.ToArray(); set => _request.Schemas = value; }

    /// <summary>Restore only these tables.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Table { get => _request.Tables.ToArray(); set => _request.Tables = value; }

    /// <summary>Definitions only.</summary>
    [Parameter]
    public SwitchParameter SchemaOnly { get => _request.SchemaOnly; set => _request.SchemaOnly = value; }

    /// <summary>Rows only.</summary>
    [Parameter]
    public SwitchParameter DataOnly { get => _request.DataOnly; set => _request.DataOnly = value; }

    /// <summary>Role to SET ROLE to before restoring.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Role { get => _request.Role; set => _request.Role = value; }

    /// <summary>Restore into a database that already holds objects.</summary>
    [Parameter]
    public SwitchParameter Force { get => _request.Force; set => _request.Force = value; }

    /// <summary>Create roles the archive needs and the target lacks, as NOLOGIN roles.</summary>
    [Parameter]
    public SwitchParameter CreateMissingRole { get => _request.CreateMissingRole; set => _request.CreateMissingRole = value; }

    /// <summary>Create the target database first (when it does not exist).</summary>
    [Parameter]
    public SwitchParameter CreateDatabase { get => _request.NewDatabase is not null; set => _request.NewDatabase = value ? DatabaseOptions() : null; }

    /// <summary>When the restore fails or is stopped, keep the database -CreateDatabase made and the roles -CreateMissingRole made (to look into), instead of dropping them.</summary>
    [Parameter]
    public SwitchParameter KeepFailedDatabase { get => _request.KeepFailedDatabase; set => _request.KeepFailedDatabase = value; }

    /// <summary>Folder holding pg_restore; overrides $env:HYDRA_PG_BIN and the search.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PgBinPath { get; set; }

    #endregion

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        try
        {
            if (SshSession is not null)
            {
                throw new HydraException(HydraErrors.DumpIsRemote, string.Format(System.Globalization.CultureInfo.InvariantCulture,
                    "The dump '{0}' is on the SSH host {1}; pg_restore reads local archives. Copy it here first: $dump | Copy-HydraDump -Destination ./ | Restore-HydraDump ...", Path, SshSession), Path);
            }

            var path = GetUnresolvedProviderPathFromPSPath(Path);
            if (Entry is { Length: > 0 })
            {
                // A selection: gather every piped entry, restore once at the end.
                _selectionTarget ??= ResolveConnection();
                if (!_selected.TryGetValue(path, out var ids))
                {
                    _selected[path] = ids = new List<int>();
                    _manifests[path] = Manifest;
                }

                ids.AddRange(Entry.Select(e => e.Id));
                return;
            }

            Restore(path, Manifest, Array.Empty<int>(), ResolveConnection());
        }
        catch (HydraException ex)
        {
            WriteHydraError(ex);
        }
        catch (Exception ex) when (ex is not PipelineStoppedException and not OperationCanceledException)
        {
            WriteUnexpectedError(ex, HydraErrors.RestoreFailed, Path);
        }
    }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        foreach (var selection in _selected)
        {
            try
            {
                Restore(selection.Key, _manifests[selection.Key], selection.Value.Distinct().ToList(), _selectionTarget!);
            }
            catch (HydraException ex)
            {
                WriteHydraError(ex);
            }
            catch (Exception ex) when (ex is not PipelineStoppedException and not OperationCanceledException)
            {
                WriteUnexpectedError(ex, HydraErrors.RestoreFailed, selection.Key);
            }
        }
    }

    private void Restore(string path, DumpManifest? manifest, IReadOnlyCollection<int> selectedIds, HydraConnection target)
    {
        var request = _request.For(path, target, manifest, selectedIds);
        request.PgBinPath = PgBinPath is null ? null : GetUnresolvedProviderPathFromPSPath(PgBinPath);
        var plan = RunOperation("Restore-HydraDump preflight: " + System.IO.Path.GetFileName(path), (reporter, token) => RestoreOperation.PlanAsync(request, reporter, token));
        if (plan.Problems.Count > 0)
        {
            // Every problem at once, before anything is written.
            foreach (var problem in plan.Problems)
            {
                WriteHydraError(problem);
            }

            return;
        }

        Execute(plan, "Restore-HydraDump " + target.ServerDisplay, result =>
        {
            WriteIssues(this, result);
            WriteObject(result);
        });
    }

    /// <summary>pg_restore's errors as ErrorRecords and its harmless failures as warnings (Copy-HydraDatabase reports the same way).</summary>
    internal static void WriteIssues(Cmdlet cmdlet, HydraRestoreResult result)
    {
        foreach (var issue in result.Errors)
        {
            var error = HydraErrors.ById(issue.ErrorId);
            cmdlet.WriteError(new ErrorRecord(new HydraException(error, "pg_restore: " + issue + (issue.Command is null ? string.Empty : " (" + issue.Command + ")")), error.Id, error.Category, issue));
        }

        foreach (var issue in result.Warnings)
        {
            cmdlet.WriteWarning("pg_restore (harmless): " + issue);
        }
    }
}
