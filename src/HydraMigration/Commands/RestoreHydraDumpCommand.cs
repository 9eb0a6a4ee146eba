using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using HydraMigration.Connections;
using HydraMigration.Database;
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
    public int Jobs { get; set; } = 1;

    /// <summary>Do not restore ownership: objects belong to the restoring role.</summary>
    [Parameter]
    public SwitchParameter NoOwner { get; set; }

    /// <summary>Do not restore privileges.</summary>
    [Parameter]
    public SwitchParameter NoAcl { get; set; }

    /// <summary>Drop the archive's objects before recreating them (--clean --if-exists), in one transaction so a failure leaves the target as it was.</summary>
    [Parameter]
    public SwitchParameter Clean { get; set; }

    /// <summary>Restore as one transaction (not with -Jobs).</summary>
    [Parameter]
    public SwitchParameter SingleTransaction { get; set; }

    /// <summary>Stop at the first error.</summary>
    [Parameter]
    public SwitchParameter ExitOnError { get; set; }

    /// <summary>Create tables with the target's default access method (heap) instead of the archive's (columnar).</summary>
    [Parameter]
    public SwitchParameter NoTableAccessMethod { get; set; }

    /// <summary>Restore only these schemas.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Schema { get; set; } = Array.Empty<string>();

    /// <summary>Restore only these tables.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Table { get; set; } = Array.Empty<string>();

    /// <summary>Definitions only.</summary>
    [Parameter]
    public SwitchParameter SchemaOnly { get; set; }

    /// <summary>Rows only.</summary>
    [Parameter]
    public SwitchParameter DataOnly { get; set; }

    /// <summary>Role to SET ROLE to before restoring.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Role { get; set; }

    /// <summary>Restore into a database that already holds objects.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Create roles the archive needs and the target lacks, as NOLOGIN roles.</summary>
    [Parameter]
    public SwitchParameter CreateMissingRole { get; set; }

    /// <summary>Create the target database first (when it does not exist).</summary>
    [Parameter]
    public SwitchParameter CreateDatabase { get; set; }

    /// <summary>When the restore fails or is stopped, keep the database -CreateDatabase made and the roles -CreateMissingRole made (to look into), instead of dropping them.</summary>
    [Parameter]
    public SwitchParameter KeepFailedDatabase { get; set; }

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
        var targetText = string.Format(CultureInfo.InvariantCulture, "database '{0}' on {1}:{2}", target.Database, target.HostName, target.Port);
        var request = new RestoreRequest(path, target)
        {
            Manifest = manifest,
            SelectedIds = selectedIds,
            Jobs = Jobs,
            NoOwner = NoOwner,
            NoAcl = NoAcl,
            Clean = Clean,
            SingleTransaction = SingleTransaction,
            ExitOnError = ExitOnError,
            NoTableAccessMethod = NoTableAccessMethod,
            Schemas = Schema,
            Tables = Table,
            SchemaOnly = SchemaOnly,
            DataOnly = DataOnly,
            Role = Role,
            Force = Force,
            CreateMissingRole = CreateMissingRole,
            KeepDatabaseOwner = CreateDatabase && Owner is not null,
            PgBinPath = PgBinPath is null ? null : GetUnresolvedProviderPathFromPSPath(PgBinPath),
        };

        // The archive first: a damaged, truncated or foreign file is refused before any server is touched.
        var readManifest = RunOperation("Restore-HydraDump: verifying " + System.IO.Path.GetFileName(path), (reporter, token) => Task.Run(() => RestoreService.VerifyArchive(request, reporter, token), token));
        var toc = RestoreService.ReadArchive(request);
        var database = CreateDatabase ? DatabaseRequestFor(HydraConnectionFactory.WithDatabase(target, "postgres"), target.Database) : null;
        var existing = database is null ? null : RunOperation("Restore-HydraDump", (_, token) => DatabaseService.FindAsync(database, token));

        // A database an earlier -CreateDatabase left unfinished (its server died) counts as missing: it is replaced.
        var leftover = existing is not null && UnfinishedRestoreMark.Is(existing.Comment) ? existing : null;
        var missing = database is not null && (existing is null || leftover is not null);

        var plan = RunOperation("Restore-HydraDump preflight", (reporter, token) => new RestoreService(reporter).PrepareAsync(request, toc, readManifest, missing ? Encoding : null, token));
        foreach (var warning in plan.Warnings)
        {
            WriteWarning(warning);
        }

        if (plan.Problems.Count > 0)
        {
            // Every problem at once, before anything is written.
            foreach (var problem in plan.Problems)
            {
                WriteHydraError(problem);
            }

            return;
        }

        var action = (missing ? CreateAction + " and restore " : "Restore ")
            + System.IO.Path.GetFileName(path) + ": " + plan.Describe();
        if (!ShouldProcess(targetText, action))
        {
            return;
        }

        // Creating the database, the restore and, when it fails or is stopped, dropping what it
        // created again: all one operation, so the cleanup's messages go through its reporter.
        var result = RunOperation("Restore-HydraDump " + target.ServerDisplay, (reporter, token) => new RestoreService(reporter).ExecuteAsync(plan, missing ? database : null, leftover, KeepFailedDatabase, token));
        WriteIssues(result);
        WriteObject(result);
    }

    private void WriteIssues(HydraRestoreResult result)
    {
        foreach (var issue in result.Errors)
        {
            var error = HydraErrors.ById(issue.ErrorId);
            WriteError(new ErrorRecord(new HydraException(error, "pg_restore: " + issue + (issue.Command is null ? string.Empty : " (" + issue.Command + ")")), error.Id, error.Category, issue));
        }

        foreach (var issue in result.Warnings)
        {
            WriteWarning("pg_restore (harmless): " + issue);
        }
    }
}
