using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using HydraMigration.Archive;
using HydraMigration.Catalog;

namespace HydraMigration.Restore;

/// <summary>What a restore will do, as the preflight worked it out; -WhatIf shows <see cref="Describe"/>.</summary>
internal sealed class RestorePlan
{
    public RestorePlan(RestoreRequest request, ArchiveToc toc, DumpManifest? manifest, TargetFacts target, IReadOnlyList<TocEntry> entries)
    {
        Request = request;
        Toc = toc;
        Manifest = manifest;
        Target = target;
        Entries = entries;
    }

    public RestoreRequest Request { get; }

    public ArchiveToc Toc { get; }

    public DumpManifest? Manifest { get; }

    public TargetFacts Target { get; }

    /// <summary>The entries to restore (all, or the selection).</summary>
    public IReadOnlyList<TocEntry> Entries { get; }

    public List<HydraException> Problems { get; } = new();

    public List<string> Warnings { get; } = new();

    public List<string> RolesToCreate { get; } = new();

    /// <summary>Columnar tables whose options the manifest records and that will be columnar on the target.</summary>
    public List<ManifestTable> ColumnarOptionsToApply { get; } = new();

    /// <summary>Database-level settings to re-apply after the restore.</summary>
    public List<ManifestDatabaseSetting> SettingsToApply { get; } = new();

    /// <summary>The database's own state to re-apply after the restore (null: none, or not a whole-database restore).</summary>
    public ManifestDatabase? DatabaseStateToApply { get; set; }

    /// <summary>Whether the database's privileges are re-applied (not with -NoAcl).</summary>
    public bool ApplyDatabaseAcl { get; set; }

    /// <summary>The owner to give the database (null: leave it).</summary>
    public string? DatabaseOwnerToApply { get; set; }

    /// <summary>Restore pre-data first, then options, then data and post-data.</summary>
    public bool Sectioned => ColumnarOptionsToApply.Count > 0 && !Request.Clean;

    /// <summary>-Clean is one pg_restore transaction: the columnar options can only follow the rows.</summary>
    public bool ColumnarOptionsAfterRows => ColumnarOptionsToApply.Count > 0 && Request.Clean;

    /// <summary>"12 entries (3 tables, 2 columnar): step; then step", what -WhatIf prints after the archive's name.</summary>
    public string Describe() =>
        string.Format(CultureInfo.InvariantCulture, "{0} entries ({1} tables, {2} columnar): {3}", Entries.Count, Entries.Count(e => e.Desc == "TABLE"), Entries.Count(e => e.Desc == "TABLE" && e.TableAccessMethod == "columnar"), string.Join("; then ", Steps()));

    /// <summary>The restore's steps, in the order they run.</summary>
    public List<string> Steps()
    {
        var steps = new List<string>();
        if (RolesToCreate.Count > 0)
        {
            steps.Add("create role(s) " + string.Join(", ", RolesToCreate));
        }

        var jobs = Request.Jobs > 1 ? string.Format(CultureInfo.InvariantCulture, " with {0} jobs", Request.Jobs) : string.Empty;
        if (Sectioned)
        {
            steps.Add("pg_restore --section=pre-data");
            steps.Add(string.Format(CultureInfo.InvariantCulture, "set columnar options on {0} table(s)", ColumnarOptionsToApply.Count));
            steps.Add("pg_restore --section=data --section=post-data" + jobs);
        }
        else
        {
            steps.Add("pg_restore" + jobs + (Request.Clean ? " --clean --single-transaction" : string.Empty));
            if (ColumnarOptionsAfterRows)
            {
                steps.Add(string.Format(CultureInfo.InvariantCulture, "set columnar options on {0} table(s)", ColumnarOptionsToApply.Count));
            }
        }

        if (SettingsToApply.Count > 0)
        {
            steps.Add("ALTER DATABASE ... SET " + string.Join(", ", SettingsToApply.Select(s => s.Name)));
        }

        if (DatabaseStateToApply is not null)
        {
            steps.Add("the database's " + (DatabaseOwnerToApply is null ? string.Empty : "owner, ") + (ApplyDatabaseAcl ? "privileges, " : string.Empty) + "comment and connection limit");
        }

        return steps;
    }
}
