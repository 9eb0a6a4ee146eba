using System;
using System.Collections.Generic;
using System.Linq;

namespace HydraMigration;

/// <summary>How a migration moves the database: through an archive (pg_dump, copy, pg_restore) or directly (Copy-HydraDatabase).</summary>
public enum HydraMigrationShape
{
    /// <summary>pg_dump (here or on the source's SSH host), a verified copy, CREATE DATABASE, pg_restore, validation.</summary>
    Archive,

    /// <summary>Straight from server to server, with no archive.</summary>
    Direct,
}

/// <summary>
/// What Invoke-HydraMigration will do, worked out before anything is written: the steps, what
/// each does and how much it moves, and every preflight check with its outcome. -WhatIf emits
/// it; a plan with a failed check is not run.
/// </summary>
public sealed class HydraMigrationPlan
{
    internal HydraMigrationPlan(HydraMigrationShape shape, string source, string target, string workFolder, IReadOnlyList<HydraMigrationPlanStep> steps, IReadOnlyList<HydraMigrationCheck> checks, IReadOnlyList<string> warnings)
    {
        Shape = shape;
        Source = source;
        Target = target;
        WorkFolder = workFolder;
        Steps = steps;
        Checks = checks;
        Warnings = warnings;
    }

    /// <summary>Archive or Direct.</summary>
    public HydraMigrationShape Shape { get; }

    /// <summary>"host:port/database" of the source (never a login or password).</summary>
    public string Source { get; }

    /// <summary>"host:port/database" of the target.</summary>
    public string Target { get; }

    /// <summary>The folder holding the journal (and, by default, the archive).</summary>
    public string WorkFolder { get; }

    /// <summary>The steps in the order they run.</summary>
    public IReadOnlyList<HydraMigrationPlanStep> Steps { get; }

    /// <summary>Every preflight check, passed or not.</summary>
    public IReadOnlyList<HydraMigrationCheck> Checks { get; }

    /// <summary>What the checks found worth saying that does not stop the migration.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>True when every check passed: the migration may run.</summary>
    public bool CanRun => Checks.All(c => c.Passed);

    /// <summary>The checks that failed.</summary>
    public IEnumerable<HydraMigrationCheck> Failures => Checks.Where(c => !c.Passed);

    /// <summary>One line per step, for -WhatIf.</summary>
    public override string ToString() => string.Join(Environment.NewLine, Steps.Select(s => s.Name + ": " + s.Action));
}

/// <summary>One step of a plan.</summary>
public sealed class HydraMigrationPlanStep
{
    internal HydraMigrationPlanStep(string name, string action, long? estimatedBytes, bool willRun)
    {
        Name = name;
        Action = action;
        EstimatedBytes = estimatedBytes;
        WillRun = willRun;
    }

    /// <summary>Dump, Copy, Create, Restore, Validate (or Direct).</summary>
    public string Name { get; }

    /// <summary>What the step will do.</summary>
    public string Action { get; }

    /// <summary>How many bytes it reads or moves, as far as can be known beforehand (null: unknown).</summary>
    public long? EstimatedBytes { get; }

    /// <summary>False when the step is not needed (no SSH host to copy from, a database that exists) or is done already (-Resume).</summary>
    public bool WillRun { get; }
}

/// <summary>One preflight check and its outcome.</summary>
public sealed class HydraMigrationCheck
{
    internal HydraMigrationCheck(string name, bool passed, string detail, string? errorId = null)
    {
        Name = name;
        Passed = passed;
        Detail = detail;
        ErrorId = errorId;
    }

    /// <summary>What was checked (Source, SshHost, PgDump, Target, Disk …).</summary>
    public string Name { get; }

    /// <summary>Whether it passed.</summary>
    public bool Passed { get; }

    /// <summary>What was found, or what is wrong and how to fix it.</summary>
    public string Detail { get; }

    /// <summary>The stable id of the problem (e.g. RoleMissing); null when it passed.</summary>
    public string? ErrorId { get; }
}
