using System;
using System.Collections.Generic;

namespace HydraMigration;

/// <summary>
/// What a restore did. <see cref="Connection"/> and <see cref="Dump"/> let Test-HydraMigration
/// at the end of the pipeline validate the target against what the dump held.
/// </summary>
public sealed class HydraRestoreResult
{
    internal HydraRestoreResult(HydraConnection connection, HydraDump dump, TimeSpan duration, int entriesRestored, IReadOnlyList<HydraRestoreIssue> errors, IReadOnlyList<HydraRestoreIssue> warnings, int columnarTablesConfigured, int settingsApplied, IReadOnlyList<string> rolesCreated, bool noOwner)
    {
        Connection = connection;
        Dump = dump;
        Duration = duration;
        EntriesRestored = entriesRestored;
        Errors = errors;
        Warnings = warnings;
        ColumnarTablesConfigured = columnarTablesConfigured;
        SettingsApplied = settingsApplied;
        RolesCreated = rolesCreated;
        NoOwner = noOwner;
    }

    /// <summary>"host:port/database" of the target.</summary>
    public string Target => Connection.ServerDisplay;

    /// <summary>The target database.</summary>
    public HydraConnection Connection { get; }

    /// <summary>The archive restored, with its manifest.</summary>
    public HydraDump Dump { get; }

    /// <summary>Wall time of the whole restore.</summary>
    public TimeSpan Duration { get; }

    /// <summary>Table-of-contents entries restored (all of them, or the selection).</summary>
    public int EntriesRestored { get; }

    /// <summary>Failures pg_restore reported.</summary>
    public IReadOnlyList<HydraRestoreIssue> Errors { get; }

    /// <summary>Known harmless failures (kept for the record).</summary>
    public IReadOnlyList<HydraRestoreIssue> Warnings { get; }

    /// <summary>Columnar tables whose options were re-applied from the manifest.</summary>
    public int ColumnarTablesConfigured { get; }

    /// <summary>Database-level settings re-applied from the manifest.</summary>
    public int SettingsApplied { get; }

    /// <summary>NOLOGIN roles created by -CreateMissingRole.</summary>
    public IReadOnlyList<string> RolesCreated { get; }

    /// <summary>True when the restore left owners out (-NoOwner): Test-HydraMigration then does not compare them.</summary>
    public bool NoOwner { get; }

    /// <summary>True when the restore left privileges out (-NoAcl): Test-HydraMigration then does not compare the database's grants.</summary>
    public bool NoAcl { get; internal set; }

    /// <summary>True when pg_restore reported no error (warnings allowed).</summary>
    public bool Succeeded => Errors.Count == 0;
}
