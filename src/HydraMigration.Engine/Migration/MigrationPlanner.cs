using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Archive;
using HydraMigration.Connections;
using HydraMigration.Database;
using HydraMigration.Dump;
using HydraMigration.Infrastructure;
using HydraMigration.Restore;
using HydraMigration.Ssh;
using HydraMigration.Tools;
using Npgsql;

namespace HydraMigration.Migration;

/// <summary>
/// Works out a migration before anything is written: connects to the source (through the SSH
/// host when pg_dump runs there), finds pg_dump where it will run and pg_restore here, measures
/// disk space, and runs Restore-HydraDump's own preflight against the target on the source's
/// schema (a schema-only archive in a private temporary folder, read and thrown away), so roles,
/// extensions, the columnar access method, collations and privileges are checked exactly as the
/// restore will check them — before the dump, not after it. Every check is collected.
/// </summary>
internal sealed class MigrationPlanner
{
    /// <summary>The step names, in the order they run.</summary>
    public static readonly string[] ArchiveStepNames = { "Dump", "Copy", "Create", "Restore", "Validate" };

    public static readonly string[] DirectStepNames = { "Create", "Direct", "Validate" };

    private static readonly char[] Blanks = { ' ', '\t', '\n' };

    private readonly IOperationReporter _reporter;

    public MigrationPlanner(IOperationReporter reporter) => _reporter = reporter;

    public async Task<MigrationPlanning> PlanAsync(MigrationRequest request, MigrationJournal? journal, CancellationToken cancellationToken)
    {
        Validate(request);
        var facts = new MigrationFacts();
        var checks = new List<HydraMigrationCheck>();
        var warnings = new List<string>();
        var done = new Func<string, bool>(step => journal?.Steps.FirstOrDefault(s => s.Name == step)?.Status == HydraMigrationStepStatus.Succeeded);

        _reporter.Progress(new OperationProgress("Planning: the source", -1));
        if (request.Shape == HydraMigrationShape.Archive && !done("Dump"))
        {
            await CheckSourceAndPgDumpAsync(request, facts, checks, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await CheckSourceAsync(request, request.SshSession is null ? request.Source : HydraConnectionFactory.Through(request.Source, request.SshSession), facts, checks, cancellationToken).ConfigureAwait(false);
        }

        _reporter.Progress(new OperationProgress("Planning: the target", -1));
        await CheckTargetAsync(request, facts, checks, done("Restore") || done("Direct"), cancellationToken).ConfigureAwait(false);
        if (request.Shape == HydraMigrationShape.Archive)
        {
            CheckLocalDisk(request, facts, checks, done("Copy") || (request.SshSession is null && done("Dump")));
        }

        var steps = request.Shape == HydraMigrationShape.Archive ? ArchiveSteps(request, facts, done) : DirectStepsOf(request, facts, done);
        var plan = new HydraMigrationPlan(request.Shape, request.Source.ServerDisplay, request.Target.ServerDisplay, request.WorkFolder, steps, checks, warnings);
        return new MigrationPlanning(plan, facts);
    }

    private static void Validate(MigrationRequest request)
    {
        if (request.Format == HydraDumpFormat.Plain)
        {
            throw new HydraException(HydraErrors.MigrationNeedsArchiveFormat, "A migration restores with pg_restore, which reads custom, directory and tar archives, not plain SQL: use -Format Custom (the default), Directory or Tar.", request.Format);
        }

        if (request.SshSession is not null && string.IsNullOrEmpty(request.RemotePath))
        {
            throw new HydraException(HydraErrors.RemotePathMissing, "pg_dump runs on the SSH host and writes the archive there: name a folder on that host the SSH user may write with -RemotePath.", request.SshSession.ToString());
        }

        if (request.Jobs > 1 && request.Format == HydraDumpFormat.Tar)
        {
            throw new HydraException(HydraErrors.JobsNeedCustomOrDirectory, "pg_restore restores in parallel only from custom or directory archives, not tar: drop -Jobs, or use -Format Custom or Directory.", request.Format);
        }
    }

    private static List<HydraMigrationPlanStep> ArchiveSteps(MigrationRequest request, MigrationFacts facts, Func<string, bool> done)
    {
        var size = facts.SourceDatabaseBytes;
        var dumpWhere = request.SshSession is null ? "here" : "on the SSH host " + request.SshSession;
        var dumpPath = request.SshSession is null ? Path.Combine(request.LocalPath, request.ArchiveName) : RemoteArchivePath(request);
        var jobs = request.Jobs > 1 ? string.Format(CultureInfo.InvariantCulture, " with {0} jobs", request.Jobs) : string.Empty;
        var create = facts.WillCreateDatabase
            ? string.Format(CultureInfo.InvariantCulture, "CREATE DATABASE {0} (UTF8, template0) on {1}:{2}{3}", Sql.Identifier(request.Target.Database), request.Target.HostName, request.Target.Port, facts.LeftoverDatabase is null ? string.Empty : ", replacing the unfinished one an earlier run left")
            : "use the existing empty database " + Sql.Identifier(request.Target.Database);
        return new List<HydraMigrationPlanStep>
        {
            new("Dump", string.Format(CultureInfo.InvariantCulture, "pg_dump ({0} format, compression {5}){1} of {2} {3} into {4}, with its manifest", request.Format, request.Format == HydraDumpFormat.Directory ? jobs : string.Empty, request.Source.ServerDisplay, dumpWhere, dumpPath, request.Compression), size, !done("Dump")),
            new("Copy", request.SshSession is null ? "nothing to copy: the archive is written here" : "download " + dumpPath + " to " + Path.Combine(request.LocalPath, request.ArchiveName) + ", verified against the manifest's SHA-256 (resumable)", request.SshSession is null ? null : size, request.SshSession is not null && !done("Copy")),
            new("Create", create, null, facts.WillCreateDatabase && !done("Restore")),
            new("Restore", "verify the archive, run the restore's preflight again, pg_restore" + jobs + " in sections with columnar options and database settings carried over" + (request.CreateMissingRole ? ", creating missing roles" : string.Empty) + (request.NoOwner ? ", without owners" : string.Empty) + (request.NoAcl ? ", without privileges" : string.Empty), size, !done("Restore")),
            new("Validate", "compare the target with the dump's manifest (schemas, tables, exact row counts, definitions, columnar options, settings, ownership)" + (request.DataChecksum ? " and its contents with the live source (DataChecksum)" : string.Empty), size, !done("Validate")),
        };
    }

    private static List<HydraMigrationPlanStep> DirectStepsOf(MigrationRequest request, MigrationFacts facts, Func<string, bool> done) => new()
    {
        new("Create", facts.WillCreateDatabase ? "CREATE DATABASE " + Sql.Identifier(request.Target.Database) : "use the existing empty database " + Sql.Identifier(request.Target.Database), null, facts.WillCreateDatabase && !done("Direct")),
        new("Direct", "copy " + request.Source.ServerDisplay + " straight into " + request.Target.ServerDisplay + " (Copy-HydraDatabase)", facts.SourceDatabaseBytes, !done("Direct")),
        new("Validate", "compare the target with the source", facts.SourceDatabaseBytes, !done("Validate")),
    };

    public static string RemoteArchivePath(MigrationRequest request) => request.RemotePath!.TrimEnd('/') + "/" + request.ArchiveName;

    /// <summary>The SSH host (when pg_dump runs there), the source through it, pg_dump where it runs, and disk space there.</summary>
    private async Task CheckSourceAndPgDumpAsync(MigrationRequest request, MigrationFacts facts, List<HydraMigrationCheck> checks, CancellationToken cancellationToken)
    {
        IDumpSite site;
        try
        {
            site = request.SshSession is null ? new LocalDumpSite(_reporter) : await SshDumpSite.OpenAsync(request.SshSession, _reporter, cancellationToken).ConfigureAwait(false);
            if (request.SshSession is not null)
            {
                checks.Add(new HydraMigrationCheck("SshHost", true, "logged in to " + request.SshSession + " (host key verified)"));
            }
        }
        catch (Exception ex) when (ex is HydraException or Renci.SshNet.Common.SshException or System.Net.Sockets.SocketException)
        {
            checks.Add(Failed("SshHost", ex));
            return;
        }

        using (site)
        {
            HydraConnection reach;
            try
            {
                reach = site.Reach(request.Source);
            }
            catch (HydraException ex)
            {
                checks.Add(Failed("Source", ex));
                return;
            }

            if (!await CheckSourceAsync(request, reach, facts, checks, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            try
            {
                var pgDump = await site.FindPgDumpAsync(facts.SourceMajor, null, cancellationToken).ConfigureAwait(false);
                facts.PgDumpVersion = pgDump.Version;
                checks.Add(new HydraMigrationCheck("PgDump", true, pgDump + (request.SshSession is null ? string.Empty : " on " + request.SshSession)));
            }
            catch (HydraException ex)
            {
                checks.Add(Failed("PgDump", ex));
            }

            if (site is SshDumpSite remote)
            {
                await CheckRemoteDiskAsync(request, remote, facts, checks, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Connects to the source and reads its version and size; false when it cannot be reached.</summary>
    private static async Task<bool> CheckSourceAsync(MigrationRequest request, HydraConnection reach, MigrationFacts facts, List<HydraMigrationCheck> checks, CancellationToken cancellationToken)
    {
        try
        {
            using var connection = await ServerConnector.OpenAsync(reach, cancellationToken).ConfigureAwait(false);
            const string sql = "SELECT current_setting('server_version'), current_setting('server_version_num')::int, pg_catalog.pg_database_size(current_database()), (SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'columnar')";
            using var command = new NpgsqlCommand(sql, connection);
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            facts.SourceServerVersion = reader.GetString(0).Split(' ')[0];
            facts.SourceMajor = reader.GetInt32(1) / 10000;
            facts.SourceDatabaseBytes = reader.GetInt64(2);
            facts.SourceColumnarVersion = reader.IsDBNull(3) ? null : reader.GetString(3);
            checks.Add(new HydraMigrationCheck("Source", true, string.Format(CultureInfo.InvariantCulture, "{0}: PostgreSQL {1}, {2}{3}", request.Source.ServerDisplay, facts.SourceServerVersion, Units.Bytes(facts.SourceDatabaseBytes), facts.SourceColumnarVersion is null ? ", no columnar extension" : ", columnar " + facts.SourceColumnarVersion)));
            return true;
        }
        catch (Exception ex) when (ex is HydraException or NpgsqlException)
        {
            checks.Add(Failed("Source", ex is NpgsqlException npgsql ? ServerConnector.QueryFailed(npgsql, request.Source) : ex));
            return false;
        }
    }

    private static async Task CheckRemoteDiskAsync(MigrationRequest request, SshDumpSite site, MigrationFacts facts, List<HydraMigrationCheck> checks, CancellationToken cancellationToken)
    {
        // df -P: one line per file system in POSIX columns; the fourth is what is available, in KiB with -k.
        var result = await RemoteShell.RunAsync(SshSessionConnection.Of(site.Session).Client, "df -Pk -- " + RemoteShell.Quote(request.RemotePath!) + " | tail -n 1", null, null, cancellationToken).ConfigureAwait(false);
        var columns = result.Output.Split(Blanks, StringSplitOptions.RemoveEmptyEntries);
        if (result.ExitStatus != 0 || columns.Length < 4 || !long.TryParse(columns[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var availableKb))
        {
            checks.Add(new HydraMigrationCheck("RemoteFolder", false, string.Format(CultureInfo.InvariantCulture, "The folder '{0}' on {1} cannot be examined ({2}): create it, or choose another -RemotePath.", request.RemotePath, request.SshSession, (result.Error + result.Output).Trim()), HydraErrors.RemoteFolderNotFound.Id));
            return;
        }

        checks.Add(DiskCheck("RemoteDisk", request.RemotePath + " on " + request.SshSession, availableKb * 1024, facts.EstimatedArchiveBytes));
    }

    private static void CheckLocalDisk(MigrationRequest request, MigrationFacts facts, List<HydraMigrationCheck> checks, bool archiveHere)
    {
        if (archiveHere)
        {
            return;
        }

        try
        {
            var drive = new DriveInfo(Path.GetPathRoot(Path.GetFullPath(request.LocalPath))!);
            checks.Add(DiskCheck("LocalDisk", request.LocalPath, drive.AvailableFreeSpace, facts.EstimatedArchiveBytes));
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            checks.Add(new HydraMigrationCheck("LocalDisk", true, "free space of " + request.LocalPath + " unknown (" + ex.Message + ")"));
        }
    }

    private static HydraMigrationCheck DiskCheck(string name, string where, long available, long needed) =>
        available >= needed
            ? new HydraMigrationCheck(name, true, string.Format(CultureInfo.InvariantCulture, "{0} free in {1} (the archive is estimated at up to {2})", Units.Bytes(available), where, Units.Bytes(needed)))
            : new HydraMigrationCheck(name, false, string.Format(CultureInfo.InvariantCulture, "Only {0} free in {1}, and the archive is estimated at {2} (half the source database's size: pg_dump compresses and leaves indexes out). Free space, or choose another folder.", Units.Bytes(available), where, Units.Bytes(needed)), HydraErrors.DiskSpaceInsufficient.Id);

    /// <summary>
    /// The target: its database (to create, or existing and empty), pg_restore here, and the
    /// restore's preflight run on a schema-only archive of the source — the very checks
    /// Restore-HydraDump makes, read-only, before anything exists to be restored.
    /// </summary>
    private async Task CheckTargetAsync(MigrationRequest request, MigrationFacts facts, List<HydraMigrationCheck> checks, bool restoreDone, CancellationToken cancellationToken)
    {
        var database = new DatabaseRequest(HydraConnectionFactory.WithDatabase(request.Target, "postgres"), request.Target.Database);
        ExistingDatabase? existing;
        try
        {
            existing = await DatabaseService.FindAsync(database, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HydraException or NpgsqlException)
        {
            checks.Add(Failed("Target", ex is NpgsqlException npgsql ? ServerConnector.QueryFailed(npgsql, request.Target) : ex));
            return;
        }

        facts.LeftoverDatabase = existing is not null && UnfinishedRestoreMark.Is(existing.Comment) ? existing : null;
        var missing = existing is null || facts.LeftoverDatabase is not null;
        facts.WillCreateDatabase = missing && request.CreateDatabase != false && !restoreDone;
        if (missing && request.CreateDatabase == false && !restoreDone)
        {
            checks.Add(new HydraMigrationCheck("TargetDatabase", false, string.Format(CultureInfo.InvariantCulture, "The database '{0}' does not exist on {1}:{2}, and -CreateDatabase:$false says not to create it. Create it first (New-HydraDatabase), or drop -CreateDatabase:$false.", request.Target.Database, request.Target.HostName, request.Target.Port), HydraErrors.TargetDatabaseNotFound.Id));
            return;
        }

        try
        {
            var pgRestore = PgToolLocator.Find("pg_restore", Math.Max(facts.SourceMajor, 1), null);
            facts.PgRestoreVersion = pgRestore.Version;
            checks.Add(new HydraMigrationCheck("PgRestore", true, pgRestore.ToString()));
        }
        catch (HydraException ex)
        {
            checks.Add(Failed("PgRestore", ex));
        }

        if (restoreDone || facts.SourceMajor == 0)
        {
            await ReadTargetVersionAsync(request, facts, cancellationToken).ConfigureAwait(false);
            return;
        }

        await PreflightOnSchemaAsync(request, facts, checks, cancellationToken).ConfigureAwait(false);
    }

    private async Task PreflightOnSchemaAsync(MigrationRequest request, MigrationFacts facts, List<HydraMigrationCheck> checks, CancellationToken cancellationToken)
    {
        PgTool pgDump;
        try
        {
            pgDump = PgToolLocator.Find("pg_dump", facts.SourceMajor, null);
        }
        catch (HydraException ex)
        {
            // Only the SSH host may have a pg_dump for this server: the restore's preflight then runs after the dump.
            checks.Add(new HydraMigrationCheck("TargetPreflight", true, "deferred to the restore step (no pg_dump here for PostgreSQL " + facts.SourceMajor.ToString(CultureInfo.InvariantCulture) + ": " + ex.Message + ")"));
            await ReadTargetVersionAsync(request, facts, cancellationToken).ConfigureAwait(false);
            return;
        }

        using var folder = new PrivateTempDirectory(_reporter);
        var schemaArchive = Path.Combine(folder.Path, "schema.dump");
        var source = request.SshSession is null ? request.Source : HydraConnectionFactory.Through(request.Source, request.SshSession);
        var errors = new List<string>();
        var arguments = new List<string> { "--format=c", "--file=" + schemaArchive, "--schema-only", "--no-password" };
        var result = await new LocalDumpSite(_reporter).RunPgDumpAsync(pgDump, arguments, schemaArchive, source, errors.Add, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            checks.Add(new HydraMigrationCheck("SourceSchema", false, "pg_dump --schema-only of " + request.Source.ServerDisplay + " failed: " + string.Join(" ", errors.Where(l => l.Length > 0).Reverse().Take(3).Reverse()), HydraErrors.PgDumpFailed.Id));
            return;
        }

        var restore = new RestoreRequest(schemaArchive, request.Target)
        {
            Jobs = request.Jobs,
            NoOwner = request.NoOwner,
            NoAcl = request.NoAcl,
            CreateMissingRole = request.CreateMissingRole,
        };
        try
        {
            var toc = RestoreService.ReadArchive(restore);
            var plan = await RestoreService.PrepareAsync(restore, toc, null, facts.WillCreateDatabase ? "UTF8" : null, cancellationToken).ConfigureAwait(false);
            facts.TargetServerVersion = plan.Target.ServerVersion;
            facts.TargetColumnarVersion = plan.Target.InstalledExtensions.TryGetValue("columnar", out var installed) ? installed : plan.Target.AvailableExtensions.TryGetValue("columnar", out var available) ? available : null;
            foreach (var problem in plan.Problems)
            {
                checks.Add(Failed("Target", problem));
            }

            if (plan.Problems.Count == 0)
            {
                checks.Add(new HydraMigrationCheck("Target", true, string.Format(CultureInfo.InvariantCulture, "{0}: PostgreSQL {1}; the restore's preflight passed ({2} entries, {3} role(s) to create)", request.Target.ServerDisplay, plan.Target.ServerVersion, plan.Entries.Count, plan.RolesToCreate.Count)));
            }
        }
        catch (HydraException ex)
        {
            checks.Add(Failed("Target", ex));
        }
    }

    private static async Task ReadTargetVersionAsync(MigrationRequest request, MigrationFacts facts, CancellationToken cancellationToken)
    {
        try
        {
            using var connection = await ServerConnector.OpenAsync(HydraConnectionFactory.WithDatabase(request.Target, "postgres"), cancellationToken).ConfigureAwait(false);
            facts.TargetServerVersion = connection.PostgreSqlVersion.ToString();
        }
        catch (HydraException)
        {
            // The version is for the report only; the steps say what is wrong with the server.
        }
    }

    private static HydraMigrationCheck Failed(string name, Exception ex) =>
        new(name, false, ex.Message, ex is HydraException hydra ? hydra.ErrorId : "Unexpected" + ex.GetType().Name);
}

/// <summary>A plan and what the planner learnt that the steps reuse.</summary>
internal sealed class MigrationPlanning
{
    public MigrationPlanning(HydraMigrationPlan plan, MigrationFacts facts)
    {
        Plan = plan;
        Facts = facts;
    }

    public HydraMigrationPlan Plan { get; }

    public MigrationFacts Facts { get; }
}

internal sealed class MigrationFacts
{
    public int SourceMajor { get; set; }

    public string? SourceServerVersion { get; set; }

    public long SourceDatabaseBytes { get; set; }

    /// <summary>Half the database: pg_dump compresses, and indexes are definitions only.</summary>
    public long EstimatedArchiveBytes => SourceDatabaseBytes / 2;

    public string? SourceColumnarVersion { get; set; }

    public string? TargetServerVersion { get; set; }

    public string? TargetColumnarVersion { get; set; }

    public string? PgDumpVersion { get; set; }

    public string? PgRestoreVersion { get; set; }

    public bool WillCreateDatabase { get; set; }

    /// <summary>A database of the target's name that a dead restore left unfinished: it is replaced.</summary>
    public ExistingDatabase? LeftoverDatabase { get; set; }
}
