using System;
using System.Collections.Generic;
using System.Linq;

namespace HydraMigration.Migration;

/// <summary>The report is the journal read for people: every step and attempt, over every run of the work folder.</summary>
internal static class MigrationReportBuilder
{
    public static HydraMigrationReport Build(MigrationRequest request, MigrationJournal journal, DateTime runStartedUtc)
    {
        var names = request.Shape == HydraMigrationShape.Archive ? MigrationPlanner.ArchiveStepNames : MigrationPlanner.DirectStepNames;
        var steps = names.Select(journal.Step).Select(s => new HydraMigrationStepReport(
            s.Name,
            s.Status,
            s.Detail,
            s.Bytes,
            s.Attempts.Select((a, i) => new HydraMigrationAttempt(s.Name, i + 1, a.StartedUtc, a.EndedUtc, a.Outcome, a.ErrorId, a.Message)).ToList())).ToList();
        var ended = DateTime.UtcNow;
        var report = new HydraMigrationReport(request.Shape, request.Source.ServerDisplay, request.Target.ServerDisplay, request.WorkFolder)
        {
            Steps = steps,
            StartedUtc = steps.SelectMany(s => s.Attempts).Select(a => (DateTime?)a.StartedUtc).Min(),
            EndedUtc = ended,
            Duration = ended - runStartedUtc,
            Succeeded = steps.All(s => s.Status is HydraMigrationStepStatus.Succeeded or HydraMigrationStepStatus.Skipped),
            Warnings = journal.Steps.SelectMany(s => s.Warnings.Select(w => s.Name + ": " + w)).Distinct(StringComparer.Ordinal).ToList(),
            Carried = new HydraMigrationCarried
            {
                ColumnarOptions = journal.CarriedColumnarOptions.ToList(),
                Settings = journal.CarriedSettings.ToList(),
                DatabaseGrants = journal.CarriedGrants.ToList(),
                RolesCreated = journal.RolesCreated.ToList(),
            },
            Versions = new HydraMigrationVersions
            {
                SourceServer = journal.SourceServerVersion,
                TargetServer = journal.TargetServerVersion,
                PgDump = journal.PgDumpVersion,
                PgRestore = journal.PgRestoreVersion,
                Columnar = journal.SourceColumnarVersion is null && journal.TargetColumnarVersion is null ? null : (journal.SourceColumnarVersion ?? "-") + " / " + (journal.TargetColumnarVersion ?? "-"),
            },
            ReportPath = request.ReportPath,
        };
        if (journal.Validation is { } validation)
        {
            report.Validation = new HydraMigrationValidationSummary
            {
                Passed = validation.Passed,
                Failed = validation.Failed,
                Warnings = validation.Warnings,
                Skipped = validation.Skipped,
                Failures = validation.Failures.ToList(),
            };
        }

        return report;
    }
}
