using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace HydraMigration.Restore;

/// <summary>
/// The preflight's part for the database's own state (owner, privileges, comment, connection
/// limit, labels): which roles it needs on the target, and what the restore re-applies. Only a
/// whole-database restore carries it, as only a whole-database restore carries the settings.
/// -NoAcl (of the restore or the dump) leaves the privileges alone, -NoOwner the owner, and an
/// owner given for the new database (-Owner) is the user's choice and wins.
/// </summary>
internal static class DatabaseStatePlan
{
    /// <summary>The grantees the re-applied privileges name: each must exist on the target or be created, like the archive's own grantees.</summary>
    public static IEnumerable<string> GranteesNeeded(RestorePlan plan) =>
        AppliesTo(plan) && AppliesAcl(plan)
            ? plan.Manifest!.Database!.Acl.Where(g => g.Grantee != "PUBLIC" && g.Grantee != plan.Manifest.Database.Owner).Select(g => g.Grantee)
            : Enumerable.Empty<string>();

    /// <summary>
    /// -CreateMissingRole also creates the database's owner and the roles with settings in it
    /// (ALTER ROLE … IN DATABASE): without them those are not re-applied. Runs after the
    /// archive's roles are checked and before the settings are planned.
    /// </summary>
    public static void AddRolesToCreate(RestorePlan plan)
    {
        // Settings travel in manifests older than the database's state: their roles are created for those too.
        if (plan.Manifest is null || !WholeDatabase(plan) || !plan.Request.CreateMissingRole)
        {
            return;
        }

        var roles = plan.Manifest.DatabaseSettings.Where(s => s.Role is not null).Select(s => s.Role!).ToList();
        if (AppliesTo(plan) && OwnerApplies(plan))
        {
            roles.Add(plan.Manifest.Database!.Owner);
        }

        plan.RolesToCreate.AddRange(roles.Where(r => r.Length > 0 && !plan.Target.Roles.Contains(r) && !plan.RolesToCreate.Contains(r)).Distinct(StringComparer.Ordinal));
    }

    /// <summary>Decides what to re-apply; runs after the roles are checked (so it knows which will be created).</summary>
    public static void Plan(RestorePlan plan)
    {
        if (!AppliesTo(plan))
        {
            return;
        }

        var state = plan.Manifest!.Database!;
        plan.DatabaseStateToApply = state;
        plan.ApplyDatabaseAcl = AppliesAcl(plan);
        if (!plan.ApplyDatabaseAcl)
        {
            plan.Warnings.Add(string.Format(CultureInfo.InvariantCulture, "-NoAcl: the database's own privileges ({0}) are not re-applied; the target database keeps its own, and a new database lets PUBLIC connect.", string.Join("; ", state.Acl.Select(g => g.Grantee + ": " + Validation.DatabaseStateComparer.Describe(g)))));
        }

        var owner = state.Owner;
        if (!OwnerApplies(plan))
        {
            return;
        }

        if (plan.Target.Roles.Contains(owner) || plan.RolesToCreate.Contains(owner))
        {
            plan.DatabaseOwnerToApply = owner;
        }
        else
        {
            plan.Warnings.Add(string.Format(CultureInfo.InvariantCulture, "The source database is owned by role {0}, which the target does not have: the target database keeps its owner. Create the role first, pass -CreateMissingRole, or -NoOwner to say so.", owner));
        }
    }

    private static bool AppliesTo(RestorePlan plan) => plan.Manifest?.Database is not null && WholeDatabase(plan);

    private static bool WholeDatabase(RestorePlan plan) =>
        plan.Request.SelectedIds.Count == 0 && plan.Request.Schemas.Count == 0 && plan.Request.Tables.Count == 0 && !plan.Request.DataOnly;

    private static bool OwnerApplies(RestorePlan plan) =>
        !plan.Request.NoOwner && !plan.Manifest!.Options.NoOwner && !plan.Request.KeepDatabaseOwner && plan.Manifest.Database!.Owner.Length > 0;

    private static bool AppliesAcl(RestorePlan plan) => !plan.Request.NoAcl && !plan.Manifest!.Options.NoAcl;
}
