using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using HydraMigration.Infrastructure;
using HydraMigration.Restore;
using HydraMigration.Tools;

namespace HydraMigration.Direct;

/// <summary>
/// What a direct copy will do, worked out in the snapshot before anything is written: the
/// restore plan of its schema archive (the very preflight Restore-HydraDump runs), the manifest
/// recorded in the snapshot, and the data phase's work queue. It holds the snapshot open until
/// the rows are copied, and the private folder with the schema archive until the end.
/// </summary>
internal sealed class DirectCopyPlan : IDisposable
{
    // -WhatIf names the biggest items; a database of thousands of tables would bury the plan's other steps.
    private const int ListedItems = 25;

    public DirectCopyPlan(DirectCopyRequest request, SnapshotSession snapshot, PrivateTempDirectory folder, RestorePlan restore, DumpManifest manifest, IReadOnlyList<CopyWorkItem> queue, IReadOnlyList<string> materializedViews)
    {
        Request = request;
        Snapshot = snapshot;
        Folder = folder;
        Restore = restore;
        Manifest = manifest;
        Queue = queue;
        MaterializedViews = materializedViews;
    }

    public DirectCopyRequest Request { get; }

    public SnapshotSession Snapshot { get; }

    public PrivateTempDirectory Folder { get; }

    /// <summary>The preflight's plan for the schema archive: roles to create, columnar options, settings, the database's state.</summary>
    public RestorePlan Restore { get; }

    /// <summary>The manifest, as the snapshot holds the source; row counts are filled in by the copy.</summary>
    public DumpManifest Manifest { get; }

    /// <summary>The data phase's items, in the order the workers take them.</summary>
    public IReadOnlyList<CopyWorkItem> Queue { get; }

    /// <summary>Materialized views populated on the source (qualified), in pg_dump's dependency order: refreshed after the data.</summary>
    public IReadOnlyList<string> MaterializedViews { get; }

    /// <summary>Schemas the tables need that neither the schema archive nor the target has (a -Table copy): created first.</summary>
    public IReadOnlyList<string> SchemasToCreate { get; set; } = Array.Empty<string>();

    /// <summary>The workers the data phase really starts.</summary>
    public int Workers => Math.Max(1, Math.Min(Request.Jobs, Queue.Count));

    public string Describe()
    {
        var steps = new List<string>();
        if (Restore.RolesToCreate.Count > 0)
        {
            steps.Add("create role(s) " + string.Join(", ", Restore.RolesToCreate));
        }

        if (SchemasToCreate.Count > 0)
        {
            steps.Add("CREATE SCHEMA " + string.Join(", ", SchemasToCreate));
        }

        steps.Add(string.Format(CultureInfo.InvariantCulture, "pg_restore --section=pre-data ({0} entries)", Restore.Entries.Count));
        if (Restore.ColumnarOptionsToApply.Count > 0)
        {
            steps.Add(string.Format(CultureInfo.InvariantCulture, "set columnar options on {0} table(s)", Restore.ColumnarOptionsToApply.Count));
        }

        steps.Add(string.Format(CultureInfo.InvariantCulture, "COPY {0} table(s), {1}, with {2} worker(s), biggest first: {3}", Queue.Select(i => i.Table).Distinct().Count(), Units.Bytes(Queue.Sum(i => i.Bytes)), Workers, string.Join("; ", Queue.Take(ListedItems).Select(CopyTableReader.Describe)) + (Queue.Count > ListedItems ? string.Format(CultureInfo.InvariantCulture, "; and {0} smaller", Queue.Count - ListedItems) : string.Empty)));
        steps.Add("pg_restore --section=post-data" + (Request.IndexJobs > 1 ? string.Format(CultureInfo.InvariantCulture, " with {0} jobs", Request.IndexJobs) : string.Empty));
        var sequences = Manifest.Catalog?.Sequences.Count(s => s.NextValue is not null) ?? 0;
        if (sequences > 0)
        {
            steps.Add(string.Format(CultureInfo.InvariantCulture, "set {0} sequence(s) to the snapshot's values", sequences));
        }

        if (MaterializedViews.Count > 0)
        {
            steps.Add("REFRESH MATERIALIZED VIEW " + string.Join(", ", MaterializedViews));
        }

        if (Restore.SettingsToApply.Count > 0)
        {
            steps.Add("ALTER DATABASE ... SET " + string.Join(", ", Restore.SettingsToApply.Select(s => s.Name)));
        }

        if (Restore.DatabaseStateToApply is not null)
        {
            steps.Add("the database's " + (Restore.DatabaseOwnerToApply is null ? string.Empty : "owner, ") + (Restore.ApplyDatabaseAcl ? "privileges, " : string.Empty) + "comment and connection limit");
        }

        return string.Join("; then ", steps);
    }

    public void Dispose()
    {
        Snapshot.Dispose();
        Folder.Dispose();
    }
}
