using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Connections;
using HydraMigration.Dump;
using HydraMigration.Infrastructure;
using HydraMigration.Restore;
using HydraMigration.Tools;

namespace HydraMigration.Direct;

/// <summary>
/// The schema's way across: pg_dump --schema-only imports the copy's snapshot and writes a small
/// uncompressed custom-format archive into the private temporary folder (custom format, so that
/// pg_restore can build the post-data section with several jobs, and so that the preflight reads
/// its table of contents exactly as it reads a dump's); pg_restore then runs it section by
/// section: pre-data before the rows, post-data (indexes, constraints, foreign keys, triggers)
/// after them.
/// </summary>
internal sealed class SchemaTransfer
{
    private readonly IOperationReporter _reporter;

    public SchemaTransfer(IOperationReporter reporter) => _reporter = reporter;

    /// <summary>Dumps the schema in the snapshot to <paramref name="path"/>; returns the pg_dump version.</summary>
    public async Task<string> DumpAsync(DirectCopyRequest request, string path, string snapshot, int sourceVersionNum, CancellationToken cancellationToken)
    {
        var pgDump = PgToolLocator.Find("pg_dump", sourceVersionNum / 10000, request.PgBinPath);
        _reporter.Verbose("Using " + pgDump + " for the schema.");
        var arguments = PgDumpArguments.Build(request.SchemaDumpRequest(path), path, snapshot);
        _reporter.Verbose("pg_dump " + CommandLine.Join(arguments));
        using var privateFolder = new PrivateTempDirectory(_reporter);
        var result = await ToolProcess.RunAsync(pgDump.Path, arguments, LibpqEnvironment.For(request.Source, privateFolder), _reporter.Verbose, cancellationToken, outputIfAbandoned: path).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            if (ServerConnector.TunnelLost(request.Source, null) is { } lost)
            {
                throw lost;
            }

            var detail = string.Join(" ", result.StandardError.Split('\n').Where(l => l.IndexOf("error:", StringComparison.Ordinal) >= 0 || l.IndexOf("DETAIL:", StringComparison.Ordinal) >= 0));
            throw new HydraException(HydraErrors.PgDumpFailed, string.Format(CultureInfo.InvariantCulture,
                "pg_dump of the schema of {0} failed (exit code {1}); nothing was written to the target. pg_dump said: {2}", request.Source.ServerDisplay, result.ExitCode, detail.Length > 0 ? detail : "(no error line)"), request.Source, toolOutput: result.StandardError);
        }

        return pgDump.Version;
    }

    /// <summary>
    /// pg_restore of one section of the schema archive; its errors go to <paramref name="output"/>
    /// as Restore-HydraDump collects them. Returns pg_restore's exit code.
    /// </summary>
    public async Task<int> RestoreAsync(RestorePlan plan, string section, int jobs, PgRestoreOutput output, CancellationToken cancellationToken)
    {
        var request = plan.Request;
        var pgRestore = PgToolLocator.Find("pg_restore", Math.Max(plan.Target.ServerVersionNum / 10000, PgVersion.Major(plan.Toc.PgDumpVersion)), request.PgBinPath);
        using var privateFolder = new PrivateTempDirectory(_reporter);
        var environment = LibpqEnvironment.For(request.Target, privateFolder);
        var options = new List<string>();
        if (request.NoTableAccessMethod)
        {
            // Hydra images default default_table_access_method to columnar: "the target's default" must mean heap.
            options.Add("-c default_table_access_method=heap");
        }

        if (section == "post-data")
        {
            // Index builds sort in memory rather than in temporary files: a session setting of
            // these connections only, as pgcopydb does (it takes 1 GB); half that keeps
            // -IndexJobs builds at once within what a modest server can spare.
            options.Add("-c maintenance_work_mem=512MB");
        }

        if (options.Count > 0)
        {
            environment["PGOPTIONS"] = string.Join(" ", options);
        }

        var arguments = PgRestoreArguments.Build(request, new[] { section }, jobs, null);
        _reporter.Verbose("pg_restore " + CommandLine.Join(arguments));
        var errorsBefore = output.ErrorCount;
        var result = await ToolProcess.RunAsync(pgRestore.Path, arguments, environment, line =>
        {
            _reporter.Verbose(line);
            output.OnLine(line);
        }, cancellationToken).ConfigureAwait(false);

        if (result.ExitCode != 0 && output.ErrorCount == errorsBefore)
        {
            // No query error: the connection or the archive. pg_restore's own words say which.
            var last = result.StandardError.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? "(no output)";
            output.OnLine("pg_restore: error: " + last.Replace("pg_restore: error: ", string.Empty) + " (exit code " + result.ExitCode.ToString(CultureInfo.InvariantCulture) + ")");
        }

        return result.ExitCode;
    }
}
