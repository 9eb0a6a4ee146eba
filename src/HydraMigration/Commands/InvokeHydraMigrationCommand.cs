using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using HydraMigration.Migration;

namespace HydraMigration.Commands;

/// <summary>
/// <para type="synopsis">Migrates a database in one command: plans and preflights everything, then dumps, copies, creates, restores and validates with a journal, resumable, and reports.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "HydraMigration", DefaultParameterSetName = ArchiveSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = "https://github.com/hydramigration/HydraMigration/blob/main/README.md")]
[OutputType(typeof(HydraMigrationReport))]
[OutputType(typeof(HydraMigrationPlan))]
[OutputType(typeof(bool))]
public sealed class InvokeHydraMigrationCommand : HydraCmdlet, IDynamicParameters
{
    private const string ArchiveSet = "Archive";
    private const string DirectSet = "Direct";
    private const string DefaultWorkFolder = "hydra-migration";

    private readonly SshLoginParameters _sshLogin = new();
    private readonly List<MigrationRequest> _requests = new();
    private readonly List<bool> _ownWorkFolder = new();

    #region Parameters

    /// <summary>The source database: a HydraConnection, or a connection string. With an SSH host, as that host sees it.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [HydraConnectionTransformation]
    [ValidateNotNull]
    public HydraConnection? Source { get; set; }

    /// <summary>The target database (created when it does not exist): a HydraConnection, or a connection string.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [HydraConnectionTransformation]
    [ValidateNotNull]
    public HydraConnection? Target { get; set; }

    /// <summary>Copy straight from server to server with Copy-HydraDatabase, with no archive.</summary>
    [Parameter(Mandatory = true, ParameterSetName = DirectSet)]
    public SwitchParameter Direct { get; set; }

    /// <summary>Run pg_dump on this SSH host, next to the source; the archive is then copied here.</summary>
    [Parameter(ParameterSetName = ArchiveSet)]
    [ValidateNotNull]
    public HydraSshSession? SourceSshSession { get; set; }

    /// <summary>Run pg_dump on this SSH host, logged in with the -Ssh* parameters for this call only.</summary>
    [Parameter(ParameterSetName = ArchiveSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? SshHostName { get; set; }

    /// <summary>The folder on the SSH host that pg_dump writes the archive to.</summary>
    [Parameter(ParameterSetName = ArchiveSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? RemotePath { get; set; }

    /// <summary>The local folder for the archive (default: the work folder).</summary>
    [Parameter(ParameterSetName = ArchiveSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? LocalPath { get; set; }

    /// <summary>Custom (default), Directory or Tar.</summary>
    [Parameter(ParameterSetName = ArchiveSet, ValueFromPipelineByPropertyName = true)]
    public HydraDumpFormat Format { get; set; } = HydraDumpFormat.Custom;

    /// <summary>pg_dump's --compress for the archive: 0-9, or method[:level] with pg_dump 16+. Default 1, the fastest level: the archive lives only for the migration.</summary>
    [Parameter(ParameterSetName = ArchiveSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Compression { get; set; }

    /// <summary>Parallel pg_restore jobs (and pg_dump's, with -Format Directory).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 64)]
    public int Jobs { get; set; } = 1;

    /// <summary>Create the target database (the default when it does not exist); -CreateDatabase:$false requires it to exist.</summary>
    [Parameter]
    public SwitchParameter CreateDatabase { get; set; }

    /// <summary>Create roles the archive needs and the target lacks.</summary>
    [Parameter]
    public SwitchParameter CreateMissingRole { get; set; }

    /// <summary>Do not restore ownership.</summary>
    [Parameter]
    public SwitchParameter NoOwner { get; set; }

    /// <summary>Do not restore privileges.</summary>
    [Parameter]
    public SwitchParameter NoAcl { get; set; }

    /// <summary>Also compare table contents with the live source.</summary>
    [Parameter]
    public SwitchParameter DataChecksum { get; set; }

    /// <summary>Write the report here as HTML, and as JSON beside it (same name, .json).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? ReportPath { get; set; }

    /// <summary>The folder for the journal (default ./hydra-migration; with several migrations, one subfolder each).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? WorkFolder { get; set; }

    /// <summary>Continue the migration the work folder's journal records.</summary>
    [Parameter]
    public SwitchParameter Resume { get; set; }

    /// <summary>Keep the archive after a migration that succeeded.</summary>
    [Parameter]
    public SwitchParameter KeepArchive { get; set; }

    /// <summary>Migrations run at once when several come through the pipeline.</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 4;

    /// <summary>Return only $true (every migration succeeded) or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    #endregion

    /// <inheritdoc />
    public object GetDynamicParameters() => _sshLogin;

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        try
        {
            SshLoginParameters.RefuseBoth(SourceSshSession, SshHostName, nameof(SourceSshSession), nameof(SshHostName));
            SshLoginParameters.RequireHost(this, SshHostName is not null, "-SshHostName");
            var workFolder = GetUnresolvedProviderPathFromPSPath(WorkFolder ?? DefaultWorkFolder);
            var request = new MigrationRequest(Direct ? HydraMigrationShape.Direct : HydraMigrationShape.Archive, Source!, Target!, workFolder)
            {
                SshSession = SourceSshSession ?? _sshLogin.SessionFor(this, SshHostName),
                RemotePath = RemotePath,
                Format = Format,
                Compression = Compression ?? MigrationRequest.DefaultCompression,
                Jobs = Jobs,
                CreateDatabase = MyInvocation.BoundParameters.ContainsKey(nameof(CreateDatabase)) ? CreateDatabase.IsPresent : null,
                CreateMissingRole = CreateMissingRole,
                NoOwner = NoOwner,
                NoAcl = NoAcl,
                DataChecksum = DataChecksum,
                Resume = Resume,
                KeepArchive = KeepArchive,
                ReportPath = ReportPath is null ? null : GetUnresolvedProviderPathFromPSPath(ReportPath),
            };
            if (LocalPath is not null)
            {
                request.LocalPath = GetUnresolvedProviderPathFromPSPath(LocalPath);
            }

            _requests.Add(request);
            _ownWorkFolder.Add(MyInvocation.BoundParameters.ContainsKey(nameof(WorkFolder)) && PipelineBound(nameof(WorkFolder)));
        }
        catch (HydraException ex)
        {
            WriteHydraError(ex);
        }
    }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        var requests = SeparateFleet();
        var plans = new Dictionary<MigrationRequest, MigrationPlanning>();
        var journals = new System.Collections.Concurrent.ConcurrentDictionary<MigrationRequest, MigrationJournal?>();
        var results = new List<bool>();

        // First every plan (nothing is written), then the gate on this thread, then the runs.
        RunOperations(requests, ThrottleLimit, r => "Invoke-HydraMigration: planning " + r.Target.ServerDisplay, async (request, reporter, token) =>
        {
            var journal = OpenJournal(request);
            journals[request] = journal;
            return await new MigrationPlanner(reporter).PlanAsync(request, journal, token).ConfigureAwait(false);
        }, (request, planning, error) =>
        {
            if (error is not null || planning is null)
            {
                WriteFailure(error, request);
                results.Add(false);
                return;
            }

            if (!planning.Plan.CanRun)
            {
                foreach (var check in planning.Plan.Failures)
                {
                    var reason = ErrorFor(check.ErrorId, HydraErrors.MigrationPreflightFailed);
                    WriteError(new ErrorRecord(new HydraException(reason, check.Name + ": " + check.Detail), reason.Id, reason.Category, planning.Plan));
                }

                results.Add(false);
                return;
            }

            if (ShouldProcess(request.Target.ServerDisplay, "Migrate " + request.Source.ServerDisplay + ": " + string.Join("; ", planning.Plan.Steps.Where(s => s.WillRun).Select(s => s.Name + " (" + s.Action + ")"))))
            {
                plans[request] = planning;
            }
            else if (!Quiet)
            {
                WriteObject(planning.Plan);
            }
        });

        var approved = requests.Where(plans.ContainsKey).ToList();
        RunOperations(approved, ThrottleLimit, r => "Invoke-HydraMigration " + r.Source.ServerDisplay + " -> " + r.Target.ServerDisplay, (request, reporter, token) =>
        {
            var journal = journals[request] ?? MigrationJournal.New(request.Inputs(), request.Shape == HydraMigrationShape.Archive ? MigrationPlanner.ArchiveStepNames : MigrationPlanner.DirectStepNames);
            return new MigrationRunner(reporter, new DirectCopyStep()).RunAsync(request, plans[request], journal, token);
        }, (request, report, error) =>
        {
            if (error is not null || report is null)
            {
                WriteFailure(error, request);
                results.Add(false);
                return;
            }

            results.Add(report.Succeeded);
            if (!report.Succeeded)
            {
                var last = report.Failures.LastOrDefault();
                var reason = ErrorFor(last?.ErrorId, HydraErrors.MigrationFailed);
                WriteError(new ErrorRecord(new HydraException(reason, string.Format(CultureInfo.InvariantCulture, "The migration of {0} to {1} failed at {2}: {3} The journal in '{4}' keeps what is done: fix the cause and run the same command with -Resume.", request.Source.ServerDisplay, request.Target.ServerDisplay, last?.Step ?? "a step", last?.Message ?? string.Empty, request.WorkFolder)), reason.Id, reason.Category, report));
            }

            if (!Quiet)
            {
                WriteObject(report);
            }
        });

        if (Quiet)
        {
            WriteObject(results.Count > 0 && results.All(r => r));
        }
    }

    /// <summary>The journal of an earlier run: continued with -Resume (same inputs only), refused without it.</summary>
    private static MigrationJournal? OpenJournal(MigrationRequest request)
    {
        var journal = MigrationJournal.Read(request.WorkFolder);
        if (journal is null)
        {
            return null;
        }

        if (!request.Resume)
        {
            throw new HydraException(HydraErrors.MigrationJournalExists, string.Format(CultureInfo.InvariantCulture,
                "The work folder '{0}' holds the journal of an earlier migration. Add -Resume to continue it, or choose another -WorkFolder for a new one.", request.WorkFolder), request.WorkFolder);
        }

        var differences = journal.Inputs.Differences(request.Inputs());
        if (differences.Count > 0)
        {
            throw MigrationInputs.Changed(differences, request.WorkFolder);
        }

        return journal;
    }

    /// <summary>
    /// Several migrations from the pipeline each get a work folder (and report) of their own,
    /// named for the target database, under the one given — unless each came with its own.
    /// </summary>
    private List<MigrationRequest> SeparateFleet()
    {
        if (_requests.Count <= 1)
        {
            return _requests.ToList();
        }

        var separated = new List<MigrationRequest>();
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < _requests.Count; i++)
        {
            var request = _requests[i];
            if (_ownWorkFolder[i])
            {
                separated.Add(request);
                continue;
            }

            var name = MigrationRequest.SafeName(request.Target.Database);
            for (var n = 2; !used.Add(name); n++)
            {
                name = MigrationRequest.SafeName(request.Target.Database) + "-" + n.ToString(CultureInfo.InvariantCulture);
            }

            var own = request.AsFleetMember(name, request.ReportPath is not null && SameReportForAll(request.ReportPath));
            separated.Add(own);
        }

        return separated;
    }

    private bool SameReportForAll(string path) => _requests.Count(r => string.Equals(r.ReportPath, path, StringComparison.Ordinal)) > 1;

    /// <summary>True when the parameter's value came from the piped object, not the command line.</summary>
    private bool PipelineBound(string name) => !_boundOnCommandLine.Contains(name);

    private readonly HashSet<string> _boundOnCommandLine = new(StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc />
    protected override void BeginProcessing() => _boundOnCommandLine.UnionWith(MyInvocation.BoundParameters.Keys);

    /// <summary>The catalog entry of an id a journal or a check carries; ids of the steps' own (a killed run) fall back to <paramref name="otherwise"/>.</summary>
    private static HydraError ErrorFor(string? id, HydraError otherwise) =>
        id is not null && HydraErrors.All.TryGetValue(id, out var error) ? error : otherwise;

    private void WriteFailure(Exception? error, MigrationRequest request)
    {
        switch (error)
        {
            case HydraException hydra:
                WriteHydraError(hydra);
                break;
            case null:
                break;
            default:
                WriteUnexpectedError(error, HydraErrors.MigrationFailed, request.Target.ServerDisplay);
                break;
        }
    }
}
