using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using HydraMigration.Archive;
using HydraMigration.Tools;

namespace HydraMigration.Restore;

/// <summary>
/// Everything pg_restore would trip on, found before anything is written: from the archive's
/// table of contents and the manifest, checked against the target. Every problem is collected,
/// so the user fixes them all in one go instead of one failed restore at a time.
/// </summary>
internal static class Preflight
{
    private static readonly Regex CollateClause = new(@"\bCOLLATE\s+(?<name>(?:""(?:[^""]|"""")+""|[A-Za-z_][\w$]*)(?:\.(?:""(?:[^""]|"""")+""|[A-Za-z_][\w$]*))?)", RegexOptions.CultureInvariant);

    public static RestorePlan Check(RestoreRequest request, ArchiveToc toc, DumpManifest? manifest, TargetFacts target)
    {
        var entries = EntrySelection.Select(request, toc);
        var plan = new RestorePlan(request, toc, manifest, target, entries);
        var where = request.Target.ServerDisplay;

        CheckServerVersion(plan, where);
        CheckExtensions(plan, where);
        CheckColumnar(plan, where);
        CheckRoles(plan, where);
        DatabaseStatePlan.AddRolesToCreate(plan);
        PrivilegeCheck.Run(plan, where);
        CheckCollations(plan, where);
        CheckEncoding(plan, where);
        CheckEmpty(plan, where);
        CheckSchemas(plan, where);
        PlanManifestSteps(plan);
        DatabaseStatePlan.Plan(plan);
        return plan;
    }

    private static void CheckServerVersion(RestorePlan plan, string where)
    {
        var sourceMajor = plan.Manifest?.Source.ServerVersionNum / 10000 ?? PgVersion.Major(plan.Toc.ServerVersion);
        var targetMajor = plan.Target.ServerVersionNum / 10000;
        if (sourceMajor > targetMajor)
        {
            plan.Problems.Add(new HydraException(HydraErrors.TargetServerOlder,
                string.Format(CultureInfo.InvariantCulture, "The archive comes from PostgreSQL {0} but {1} runs PostgreSQL {2}: restoring into an older major version is not supported. Use a target running {0} or newer.", sourceMajor, where, plan.Target.ServerVersion),
                where));
        }
    }

    private static void CheckExtensions(RestorePlan plan, string where)
    {
        foreach (var entry in plan.Entries.Where(e => e.Desc == "EXTENSION"))
        {
            var name = entry.Tag;
            var sourceVersion = plan.Manifest?.Extensions.FirstOrDefault(x => x.Name == name)?.Version;
            if (plan.Target.InstalledExtensions.TryGetValue(name, out var installed) || plan.Target.AvailableExtensions.TryGetValue(name, out installed))
            {
                if (sourceVersion is not null && installed.Length > 0 && sourceVersion != installed)
                {
                    plan.Warnings.Add(string.Format(CultureInfo.InvariantCulture, "Extension {0} is {1} on the source and will be {2} on the target (CREATE EXTENSION IF NOT EXISTS keeps the target's).", name, sourceVersion, installed));
                }

                continue;
            }

            plan.Problems.Add(new HydraException(HydraErrors.ExtensionNotAvailable,
                string.Format(CultureInfo.InvariantCulture, "The archive creates extension '{0}'{1}, which {2} cannot provide (not in pg_available_extensions). Install it on the target server{3}.", name, sourceVersion is null ? string.Empty : " " + sourceVersion, where, name == "columnar" ? " (Hydra), or restore the columnar tables as heap with -NoTableAccessMethod and leave the extension out with a selection from Get-HydraDumpContent" : string.Empty),
                name));
        }
    }

    private static void CheckColumnar(RestorePlan plan, string where)
    {
        if (plan.Request.NoTableAccessMethod)
        {
            return;
        }

        var columnar = plan.Entries.Where(e => e.Desc == "TABLE" && e.TableAccessMethod == "columnar").ToList();
        var provided = plan.Target.AccessMethods.Contains("columnar")
            || (plan.Target.AvailableExtensions.ContainsKey("columnar") && plan.Entries.Any(e => e.Desc == "EXTENSION" && e.Tag == "columnar"));
        if (columnar.Count == 0 || provided)
        {
            return;
        }

        plan.Problems.Add(new HydraException(HydraErrors.ColumnarAccessMethodMissing,
            string.Format(CultureInfo.InvariantCulture, "{0} table(s) use Hydra's columnar access method ({1}), and {2} has none. Install Hydra's columnar extension on the target, or pass -NoTableAccessMethod to restore them with the target's default access method (heap).", columnar.Count, string.Join(", ", columnar.Take(5).Select(e => e.Namespace + "." + e.Tag)) + (columnar.Count > 5 ? ", ..." : string.Empty), where),
            where));
    }

    private static void CheckRoles(RestorePlan plan, string where)
    {
        var needed = new SortedSet<string>(StringComparer.Ordinal);
        if (!plan.Request.NoOwner)
        {
            needed.UnionWith(RoleReferences.Owners(plan.Entries));
        }

        if (!plan.Request.NoAcl)
        {
            needed.UnionWith(RoleReferences.Grantees(plan.Entries));
            needed.UnionWith(DatabaseStatePlan.GranteesNeeded(plan));
        }

        if (plan.Request.Role is not null)
        {
            needed.Add(plan.Request.Role);
        }

        var missing = needed.Where(r => !plan.Target.Roles.Contains(r)).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        if (plan.Request.CreateMissingRole)
        {
            plan.RolesToCreate.AddRange(missing);
            return;
        }

        plan.Problems.Add(new HydraException(HydraErrors.RoleMissing,
            string.Format(CultureInfo.InvariantCulture, "The archive's objects are owned by or granted to role(s) that {0} does not have: {1}. Create them (roles are global and are not in a database dump), pass -CreateMissingRole to create them (with the attributes and memberships the manifest recorded, never a password; NOLOGIN when it recorded none), or restore with -NoOwner / -NoAcl.", where, string.Join(", ", missing)),
            missing));
    }

    private static void CheckCollations(RestorePlan plan, string where)
    {
        var created = new HashSet<string>(plan.Entries.Where(e => e.Desc == "COLLATION").SelectMany(e => new[] { e.Tag, e.Namespace + "." + e.Tag }), StringComparer.Ordinal);
        var missing = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var entry in plan.Entries.Where(e => e.Definition is not null && e.Desc is "TABLE" or "DOMAIN" or "TYPE" or "INDEX" or "MATERIALIZED VIEW" or "VIEW"))
        {
            foreach (Match match in CollateClause.Matches(entry.Definition!))
            {
                var name = string.Join(".", match.Groups["name"].Value.Split('.').Select(RoleReferences.Unquote));
                var bare = name.Substring(name.LastIndexOf('.') + 1);
                if (!plan.Target.Collations.Contains(name) && !plan.Target.Collations.Contains(bare) && !created.Contains(name) && !created.Contains(bare))
                {
                    missing.Add(name);
                }
            }
        }

        if (missing.Count > 0)
        {
            plan.Problems.Add(new HydraException(HydraErrors.CollationMissing,
                string.Format(CultureInfo.InvariantCulture, "The archive uses collation(s) that {0} does not have: {1}. Create them on the target (CREATE COLLATION, or install the operating-system locale and run pg_import_system_collations), or change the columns' collation on the source.", where, string.Join(", ", missing)),
                missing.ToList()));
        }
    }

    private static void CheckEncoding(RestorePlan plan, string where)
    {
        var definition = plan.Toc.Entries.FirstOrDefault(e => e.Desc == "ENCODING")?.Definition;
        var match = definition is null ? null : Regex.Match(definition, "'([^']+)'");
        var source = match is { Success: true } ? match.Groups[1].Value : plan.Manifest?.Source.Encoding;
        if (source is null || string.Equals(source, plan.Target.Encoding, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        if (string.Equals(plan.Target.Encoding, "UTF8", StringComparison.OrdinalIgnoreCase))
        {
            plan.Warnings.Add(string.Format(CultureInfo.InvariantCulture, "The archive is {0} and the target database is UTF8: text is converted on the way in.", source));
            return;
        }

        plan.Problems.Add(new HydraException(HydraErrors.EncodingMismatch,
            string.Format(CultureInfo.InvariantCulture, "The archive is {0} but the target database on {1} is {2}: characters {2} cannot hold would fail the restore. Restore into a UTF8 database (New-HydraDatabase creates one) or one in {0}.", source, where, plan.Target.Encoding),
            where));
    }

    private static void CheckEmpty(RestorePlan plan, string where)
    {
        if (plan.Target.UserObjects == 0 || plan.Request.Clean || plan.Request.Force || plan.Request.DataOnly)
        {
            return;
        }

        plan.Problems.Add(new HydraException(HydraErrors.TargetNotEmpty,
            string.Format(CultureInfo.InvariantCulture, "The target database {0} already holds {1} object(s). Restore into a new or empty database (see New-HydraDatabase or -CreateDatabase). Or pass -Clean: it drops the archive's objects that exist there (with their rows) and recreates them from the archive, in one transaction, so a failure part-way rolls everything back; objects not in the archive are kept, -Jobs is not possible, and columnar options are set after the rows load. Or -Force restores over what is there, which fails on every object that already exists.", where, plan.Target.UserObjects),
            where));
    }

    /// <summary>pg_restore --schema restores the objects in a schema, not the schema itself.</summary>
    private static void CheckSchemas(RestorePlan plan, string where)
    {
        var missing = plan.Request.Schemas.Where(s => !plan.Target.Schemas.Contains(s)).ToList();
        if (missing.Count > 0 && !plan.Request.DataOnly)
        {
            plan.Problems.Add(new HydraException(HydraErrors.SchemaMissing,
                string.Format(CultureInfo.InvariantCulture, "-Schema restores the objects in a schema but not the schema itself, and {0} has no schema {1}. Create it first, or choose the entries with Get-HydraDumpContent, including the SCHEMA entry.", where, string.Join(", ", missing)),
                missing));
        }
    }

    private static void PlanManifestSteps(RestorePlan plan)
    {
        if (plan.Manifest is null)
        {
            plan.Warnings.Add("The archive has no manifest beside it: Hydra columnar options and database-level settings cannot be carried over, and restored columnar tables get the server's default options.");
            return;
        }

        var restoredTables = new HashSet<(string, string)>(plan.Entries.Where(e => e.Desc == "TABLE").Select(e => (e.Namespace ?? string.Empty, e.Tag)));
        var withOptions = plan.Manifest.Tables
            .Where(t => t.Columnar is { } o && (o.ChunkGroupRowLimit is not null || o.StripeRowLimit is not null || o.Compression is not null || o.CompressionLevel is not null))
            .Where(t => restoredTables.Contains((t.Schema, t.Name)) && !plan.Request.DataOnly)
            .ToList();
        if (withOptions.Count > 0 && plan.Request.NoTableAccessMethod)
        {
            plan.Warnings.Add(string.Format(CultureInfo.InvariantCulture, "-NoTableAccessMethod restores {0} columnar table(s) as heap: their columnar options are not applied.", withOptions.Count));
        }
        else
        {
            plan.ColumnarOptionsToApply.AddRange(withOptions);
            if (withOptions.Count > 0 && plan.Request.Clean)
            {
                plan.Warnings.Add(string.Format(CultureInfo.InvariantCulture, "-Clean restores in one transaction, so the columnar options of {0} table(s) are set after their rows are loaded: the restored rows keep the target's default columnar options (compression, stripe size) until the tables are rewritten. To have them written with the source's options, restore into a new database (-CreateDatabase) instead.", withOptions.Count));
            }
        }

        var wholeDatabase = plan.Request.SelectedIds.Count == 0 && plan.Request.Schemas.Count == 0 && plan.Request.Tables.Count == 0 && !plan.Request.DataOnly;
        if (wholeDatabase)
        {
            foreach (var setting in plan.Manifest.DatabaseSettings)
            {
                if (setting.Role is null || plan.Target.Roles.Contains(setting.Role) || plan.RolesToCreate.Contains(setting.Role))
                {
                    plan.SettingsToApply.Add(setting);
                }
                else
                {
                    plan.Warnings.Add(string.Format(CultureInfo.InvariantCulture, "The setting {0} for role {1} in this database is not re-applied: the role does not exist on the target.", setting.Name, setting.Role));
                }
            }
        }
    }
}
