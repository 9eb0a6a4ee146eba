using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using HydraMigration.Archive;
using HydraMigration.Infrastructure;

namespace HydraMigration.Restore;

/// <summary>
/// The preflight's privilege checks, for a target login that is not a superuser: what the
/// archive will ask of the server that the login may not do — install an extension that is not
/// trusted, create schemas (CREATE on the database), create objects in schemas that exist
/// (CREATE on them), give objects to their owners (membership in the owner roles), create
/// roles. Found here, each becomes one problem naming what is missing and the GRANT or option
/// that fixes it, instead of a pg_restore that fails on every object.
/// </summary>
internal static class PrivilegeCheck
{
    // Entries that create an object in a schema, and so need CREATE on it.
    private static readonly HashSet<string> CreatesInSchema = new(StringComparer.Ordinal)
    {
        "TABLE", "VIEW", "MATERIALIZED VIEW", "SEQUENCE", "FUNCTION", "PROCEDURE", "AGGREGATE", "TYPE", "DOMAIN", "COLLATION", "FOREIGN TABLE", "CONVERSION", "TEXT SEARCH CONFIGURATION", "TEXT SEARCH DICTIONARY", "OPERATOR",
    };

    public static void Run(RestorePlan plan, string where)
    {
        var login = plan.Target.Login;

        // A superuser may do all of it; rows only create nothing; under --role the restore acts as another role, whose rights are its own.
        if (login.IsSuperuser || plan.Request.DataOnly || plan.Request.Role is not null)
        {
            return;
        }

        var fix = string.Format(CultureInfo.InvariantCulture, "restore as a superuser, or grant role '{0}' ", login.Name);
        var extensions = plan.Entries.Where(e => e.Desc == "EXTENSION" && !plan.Target.InstalledExtensions.ContainsKey(e.Tag)).Select(e => e.Tag).Distinct().ToList();
        var untrusted = extensions.Where(x => !login.TrustedExtensions.Contains(x)).ToList();
        if (untrusted.Count > 0)
        {
            plan.Problems.Add(new HydraException(HydraErrors.ExtensionNeedsSuperuser,
                string.Format(CultureInfo.InvariantCulture, "The archive creates extension(s) {0}, which only a superuser may install, and role '{1}' on {2} is not one. Have a superuser run CREATE EXTENSION {3} in the target database first (New-HydraDatabase -Extension does), or restore as a superuser.", string.Join(", ", untrusted), login.Name, where, string.Join(", ", untrusted.Select(Sql.Identifier))),
                untrusted));
        }

        var createdSchemas = new HashSet<string>(plan.Entries.Where(e => e.Desc == "SCHEMA").Select(e => e.Tag), StringComparer.Ordinal);
        var newSchemas = createdSchemas.Where(n => !plan.Target.Schemas.Contains(n)).ToList();
        var needDatabaseCreate = newSchemas.Concat(extensions.Except(untrusted).Select(x => "extension " + x)).ToList();
        if (needDatabaseCreate.Count > 0 && !login.CanCreateInDatabase)
        {
            plan.Problems.Add(new HydraException(HydraErrors.DatabasePrivilegeMissing,
                string.Format(CultureInfo.InvariantCulture, "The archive creates {0} in the target database {1}, and role '{2}' lacks CREATE on it. {3}CREATE on it: GRANT CREATE ON DATABASE {4} TO {5};", string.Join(", ", needDatabaseCreate.Select(n => n.StartsWith("extension ", StringComparison.Ordinal) ? n : "schema " + n)), where, login.Name, Capitalized(fix), Sql.Identifier(plan.Request.Target.Database), Sql.Identifier(login.Name)),
                plan.Request.Target.Database));
        }

        var closedSchemas = plan.Entries
            .Where(e => CreatesInSchema.Contains(e.Desc) && e.Namespace is { Length: > 0 } ns && plan.Target.Schemas.Contains(ns) && !createdSchemas.Contains(ns) && !login.SchemasWithCreate.Contains(ns))
            .Select(e => e.Namespace!)
            .Distinct(StringComparer.Ordinal)
            .OrderBy(n => n, StringComparer.Ordinal)
            .ToList();
        if (closedSchemas.Count > 0)
        {
            plan.Problems.Add(new HydraException(HydraErrors.SchemaPrivilegeMissing,
                string.Format(CultureInfo.InvariantCulture, "The archive creates objects in the existing schema(s) {0} of {1}, and role '{2}' lacks CREATE on them. {3}CREATE on them: {4}", string.Join(", ", closedSchemas), where, login.Name, Capitalized(fix), string.Join(" ", closedSchemas.Select(n => "GRANT CREATE ON SCHEMA " + Sql.Identifier(n) + " TO " + Sql.Identifier(login.Name) + ";"))),
                closedSchemas));
        }

        if (plan.RolesToCreate.Count > 0 && !login.CanCreateRole)
        {
            plan.Problems.Add(new HydraException(HydraErrors.RoleCreateDenied,
                string.Format(CultureInfo.InvariantCulture, "-CreateMissingRole would create role(s) {0} on {1}, and role '{2}' has no CREATEROLE. Create them as a role that may, or restore with -NoOwner / -NoAcl.", string.Join(", ", plan.RolesToCreate), where, login.Name),
                plan.RolesToCreate.ToList()));
        }

        if (!plan.Request.NoOwner)
        {
            var foreign = RoleReferences.Owners(plan.Entries).Where(r => r != login.Name && !login.MemberOf.Contains(r)).ToList();
            if (foreign.Count > 0)
            {
                plan.Problems.Add(new HydraException(HydraErrors.OwnerRoleNotGranted,
                    string.Format(CultureInfo.InvariantCulture, "The archive's objects belong to role(s) {0}, and role '{1}' on {2} may give objects only to roles it is a member of. {3}membership: {4} Or restore with -NoOwner, so that everything belongs to '{1}'.", string.Join(", ", foreign), login.Name, where, Capitalized(fix), string.Join(" ", foreign.Select(r => "GRANT " + Sql.Identifier(r) + " TO " + Sql.Identifier(login.Name) + ";"))),
                    foreign));
            }
        }
    }

    private static string Capitalized(string text) => char.ToUpperInvariant(text[0]) + text.Substring(1);
}
