using System;
using System.Collections.Generic;
using System.Linq;

namespace HydraMigration;

/// <summary>Where a migration step stands.</summary>
public enum HydraMigrationStepStatus
{
    /// <summary>Not started yet.</summary>
    Pending,

    /// <summary>Started and not finished (a run that was killed leaves this).</summary>
    Running,

    /// <summary>Done.</summary>
    Succeeded,

    /// <summary>Failed; -Resume runs it again.</summary>
    Failed,

    /// <summary>Not needed in this migration (no SSH host to copy from, a target database that exists).</summary>
    Skipped,

    /// <summary>Done, then given back because a later step failed (the database a failed restore created is dropped).</summary>
    RolledBack,
}

/// <summary>
/// The record of one Invoke-HydraMigration: whether it succeeded, each step with its attempts,
/// what was carried over that a plain pg_dump/pg_restore loses, the validation's outcome, and the
/// versions involved. Written as HTML and JSON with -ReportPath. It holds no login secret.
/// </summary>
public sealed class HydraMigrationReport
{
    internal HydraMigrationReport(HydraMigrationShape shape, string source, string target, string workFolder)
    {
        Shape = shape;
        Source = source;
        Target = target;
        WorkFolder = workFolder;
    }

    /// <summary>True when every step succeeded (or was not needed) and validation found no difference.</summary>
    public bool Succeeded { get; internal set; }

    /// <summary>Archive or Direct.</summary>
    public HydraMigrationShape Shape { get; }

    /// <summary>"host:port/database" of the source.</summary>
    public string Source { get; }

    /// <summary>"host:port/database" of the target.</summary>
    public string Target { get; }

    /// <summary>The folder with the journal.</summary>
    public string WorkFolder { get; }

    /// <summary>The HTML report written (-ReportPath), or null.</summary>
    public string? ReportPath { get; internal set; }

    /// <summary>When the first attempt of the first step started (UTC).</summary>
    public DateTime? StartedUtc { get; internal set; }

    /// <summary>When this run ended (UTC).</summary>
    public DateTime EndedUtc { get; internal set; }

    /// <summary>Wall time of this run.</summary>
    public TimeSpan Duration { get; internal set; }

    /// <summary>The steps, in order.</summary>
    public IReadOnlyList<HydraMigrationStepReport> Steps { get; internal set; } = Array.Empty<HydraMigrationStepReport>();

    /// <summary>What was carried over beyond the rows.</summary>
    public HydraMigrationCarried Carried { get; internal set; } = new();

    /// <summary>Warnings of every step (pg_restore's harmless failures, extension versions that differ …).</summary>
    public IReadOnlyList<string> Warnings { get; internal set; } = Array.Empty<string>();

    /// <summary>The validation's counts and every failure; null when validation did not run.</summary>
    public HydraMigrationValidationSummary? Validation { get; internal set; }

    /// <summary>Versions of both servers and of the tools.</summary>
    public HydraMigrationVersions Versions { get; internal set; } = new();

    /// <summary>The failed attempts of every step, newest last.</summary>
    public IEnumerable<HydraMigrationAttempt> Failures => Steps.SelectMany(s => s.Attempts).Where(a => a.Outcome == HydraMigrationStepStatus.Failed);

    /// <summary>"Succeeded" or "Failed", the source and the target.</summary>
    public override string ToString() => (Succeeded ? "Succeeded" : "Failed") + ": " + Source + " -> " + Target;
}

/// <summary>One step of a migration as it went.</summary>
public sealed class HydraMigrationStepReport
{
    internal HydraMigrationStepReport(string name, HydraMigrationStepStatus status, string detail, long? bytes, IReadOnlyList<HydraMigrationAttempt> attempts)
    {
        Name = name;
        Status = status;
        Detail = detail;
        Bytes = bytes;
        Attempts = attempts;
    }

    /// <summary>Dump, Copy, Create, Restore, Validate (or Direct).</summary>
    public string Name { get; }

    /// <summary>Where it stands.</summary>
    public HydraMigrationStepStatus Status { get; }

    /// <summary>What it did or produced.</summary>
    public string Detail { get; }

    /// <summary>Bytes it moved (the archive's size for dump, copy and restore), when known.</summary>
    public long? Bytes { get; }

    /// <summary>Every attempt, over every run of the same work folder.</summary>
    public IReadOnlyList<HydraMigrationAttempt> Attempts { get; }

    /// <summary>Wall time of the attempt that succeeded (else of the last one).</summary>
    public TimeSpan Duration => (Attempts.LastOrDefault(a => a.Outcome == HydraMigrationStepStatus.Succeeded) ?? (Attempts.Count > 0 ? Attempts[Attempts.Count - 1] : null))?.Duration ?? TimeSpan.Zero;

    /// <summary>Bytes per second of that attempt, when the size is known.</summary>
    public double? BytesPerSecond => Bytes is { } bytes && Duration.TotalSeconds > 0 ? Math.Round(bytes / Duration.TotalSeconds) : null;
}

/// <summary>One attempt at a step.</summary>
public sealed class HydraMigrationAttempt
{
    internal HydraMigrationAttempt(string step, int number, DateTime startedUtc, DateTime? endedUtc, HydraMigrationStepStatus outcome, string? errorId, string? message)
    {
        Step = step;
        Number = number;
        StartedUtc = startedUtc;
        EndedUtc = endedUtc;
        Outcome = outcome;
        ErrorId = errorId;
        Message = message;
    }

    /// <summary>The step it belongs to.</summary>
    public string Step { get; }

    /// <summary>1 for the first attempt.</summary>
    public int Number { get; }

    /// <summary>When it started (UTC).</summary>
    public DateTime StartedUtc { get; }

    /// <summary>When it ended (UTC); null when the run died during it.</summary>
    public DateTime? EndedUtc { get; }

    /// <summary>Wall time.</summary>
    public TimeSpan Duration => EndedUtc is { } end ? end - StartedUtc : TimeSpan.Zero;

    /// <summary>Succeeded, Failed, RolledBack, or Running when the run died during it.</summary>
    public HydraMigrationStepStatus Outcome { get; }

    /// <summary>The stable error id of a failure (e.g. PgRestoreFailed).</summary>
    public string? ErrorId { get; }

    /// <summary>What went wrong.</summary>
    public string? Message { get; }
}

/// <summary>What a migration carried over that a plain pg_dump and pg_restore lose.</summary>
public sealed class HydraMigrationCarried
{
    /// <summary>Columnar tables whose options were set, with the options ("sales.events: compression=zstd, stripe_row_limit=150000").</summary>
    public IReadOnlyList<string> ColumnarOptions { get; internal set; } = Array.Empty<string>();

    /// <summary>Database settings re-applied ("search_path = public", "role app: work_mem = 64MB").</summary>
    public IReadOnlyList<string> Settings { get; internal set; } = Array.Empty<string>();

    /// <summary>The database's own grants ("app_reader: CONNECT, TEMPORARY").</summary>
    public IReadOnlyList<string> DatabaseGrants { get; internal set; } = Array.Empty<string>();

    /// <summary>Roles created on the target (-CreateMissingRole).</summary>
    public IReadOnlyList<string> RolesCreated { get; internal set; } = Array.Empty<string>();
}

/// <summary>Validation in numbers, and every failure.</summary>
public sealed class HydraMigrationValidationSummary
{
    /// <summary>Checks that passed.</summary>
    public int Passed { get; internal set; }

    /// <summary>Checks that failed.</summary>
    public int Failed { get; internal set; }

    /// <summary>Checks with a warning.</summary>
    public int Warnings { get; internal set; }

    /// <summary>Checks skipped.</summary>
    public int Skipped { get; internal set; }

    /// <summary>Every failed check: "Category schema.name Check: source → target (message)".</summary>
    public IReadOnlyList<string> Failures { get; internal set; } = Array.Empty<string>();
}

/// <summary>The versions involved.</summary>
public sealed class HydraMigrationVersions
{
    /// <summary>The source server's PostgreSQL version.</summary>
    public string? SourceServer { get; internal set; }

    /// <summary>The target server's PostgreSQL version.</summary>
    public string? TargetServer { get; internal set; }

    /// <summary>pg_dump's version.</summary>
    public string? PgDump { get; internal set; }

    /// <summary>pg_restore's version.</summary>
    public string? PgRestore { get; internal set; }

    /// <summary>The columnar extension on the source and on the target ("11.1-12 / 11.1-12").</summary>
    public string? Columnar { get; internal set; }

    /// <summary>This module's version.</summary>
    public string Module { get; internal set; } = typeof(HydraMigrationVersions).Assembly.GetName().Version?.ToString(3) ?? string.Empty;
}
