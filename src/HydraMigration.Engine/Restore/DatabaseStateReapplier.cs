using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Infrastructure;
using HydraMigration.Validation;
using Npgsql;

namespace HydraMigration.Restore;

/// <summary>
/// Puts back the database's own state, which pg_restore restores only with --create: owner,
/// privileges, comment, connection limit and security labels. It runs last, after the data,
/// so a connection limit or a revoked CONNECT cannot get in the restore's way. The privileges
/// are made equal to the source's for every grantee the source names and for PUBLIC, by
/// granting what is missing and revoking what is extra: the default ACL of a new database
/// (PUBLIC may CONNECT and create TEMPORARY tables) is not what a source that revoked them had.
/// Grants the target holds for other roles are left alone (validation reports them).
/// Each statement that fails is recorded as an error, and the others still run.
/// </summary>
internal static class DatabaseStateReapplier
{
    private const string Public = "PUBLIC";

    // The privileges a database has. A manifest is a file anyone could edit: only these words
    // ever reach the SQL text, anything else in it is ignored.
    private static readonly HashSet<string> DatabasePrivileges = new(StringComparer.Ordinal) { "CONNECT", "CREATE", "TEMPORARY" };

    public static async Task ApplyAsync(NpgsqlConnection connection, RestorePlan plan, PgRestoreOutput output, IOperationReporter reporter, CancellationToken cancellationToken)
    {
        var source = plan.DatabaseStateToApply!;
        var database = Sql.Identifier(plan.Request.Target.Database);
        // The comment and labels are the source's text in literals (COMMENT takes no parameters):
        // Sql.Literal is right only with standard_conforming_strings on, and the settings just
        // re-applied could have turned it off for this database.
        using (var guard = new NpgsqlCommand("SET standard_conforming_strings = on", connection))
        {
            await guard.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var reader = new DatabaseStateReader(connection);
        var target = await reader.ReadDatabaseAsync(cancellationToken).ConfigureAwait(false);

        async Task RunAsync(string sql, string what)
        {
            using var command = new NpgsqlCommand(sql, connection);
            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                reporter.Verbose(sql);
            }
            catch (PostgresException ex)
            {
                // A managed service may refuse one of them (an owner the restoring role is no member of): record it, keep the others.
                output.Add(new HydraRestoreIssue(null, "DATABASE", plan.Request.Target.Database, ex.SqlState, "The database's " + what + " could not be re-applied: " + ex.MessageText, sql, false, HydraErrors.DatabaseStateFailed.Id));
            }
        }

        if (plan.DatabaseOwnerToApply is { } owner && owner != target.Owner)
        {
            await RunAsync("ALTER DATABASE " + database + " OWNER TO " + Sql.Identifier(owner), "owner").ConfigureAwait(false);
            target = await reader.ReadDatabaseAsync(cancellationToken).ConfigureAwait(false);
        }

        if (plan.ApplyDatabaseAcl)
        {
            foreach (var sql in AclStatements(database, source, target))
            {
                await RunAsync(sql, "privileges").ConfigureAwait(false);
            }
        }

        if (source.Comment is not null && source.Comment != target.Comment)
        {
            await RunAsync("COMMENT ON DATABASE " + database + " IS " + Sql.Literal(source.Comment), "comment").ConfigureAwait(false);
        }

        if (source.ConnectionLimit != target.ConnectionLimit)
        {
            await RunAsync("ALTER DATABASE " + database + " CONNECTION LIMIT " + source.ConnectionLimit.ToString(System.Globalization.CultureInfo.InvariantCulture), "connection limit").ConfigureAwait(false);
        }

        foreach (var label in source.SecurityLabels.Where(l => !target.SecurityLabels.Any(t => t.Provider == l.Provider && t.Label == l.Label)))
        {
            await RunAsync("SECURITY LABEL FOR " + Sql.Identifier(label.Provider) + " ON DATABASE " + database + " IS " + Sql.Literal(label.Label), "security label").ConfigureAwait(false);
        }
    }

    /// <summary>
    /// GRANT and REVOKE statements that make <paramref name="target"/>'s privileges for PUBLIC,
    /// the owner and every grantee of <paramref name="source"/> equal to the source's. The
    /// source owner's own privileges apply to the target's owner.
    /// </summary>
    internal static IEnumerable<string> AclStatements(string database, ManifestDatabase source, ManifestDatabase target)
    {
        ManifestGrant? Find(ManifestDatabase state, string grantee) => state.Acl.FirstOrDefault(g => g.Grantee == grantee);
        var grantees = source.Acl.Select(g => g.Grantee).Append(Public).Append(source.Owner).Distinct(StringComparer.Ordinal);
        foreach (var grantee in grantees)
        {
            var onTarget = grantee == source.Owner ? target.Owner : grantee;
            var want = Known(Find(source, grantee));
            var have = Known(Find(target, onTarget));
            var who = onTarget == Public ? Public : Sql.Identifier(onTarget);

            var revoke = have.Privileges.Except(want.Privileges).ToList();
            if (revoke.Count > 0)
            {
                yield return "REVOKE " + string.Join(", ", revoke) + " ON DATABASE " + database + " FROM " + who;
            }

            var revokeOption = have.GrantOptions.Intersect(want.Privileges).Except(want.GrantOptions).ToList();
            if (revokeOption.Count > 0)
            {
                yield return "REVOKE GRANT OPTION FOR " + string.Join(", ", revokeOption) + " ON DATABASE " + database + " FROM " + who;
            }

            var grant = want.Privileges.Except(want.GrantOptions).Except(have.Privileges).ToList();
            if (grant.Count > 0)
            {
                yield return "GRANT " + string.Join(", ", grant) + " ON DATABASE " + database + " TO " + who;
            }

            var grantOption = want.GrantOptions.Except(have.GrantOptions).ToList();
            if (grantOption.Count > 0)
            {
                yield return "GRANT " + string.Join(", ", grantOption) + " ON DATABASE " + database + " TO " + who + " WITH GRANT OPTION";
            }
        }
    }

    private static ManifestGrant Known(ManifestGrant? grant) => new()
    {
        Privileges = grant?.Privileges.Where(DatabasePrivileges.Contains).ToList() ?? new List<string>(),
        GrantOptions = grant?.GrantOptions.Where(DatabasePrivileges.Contains).ToList() ?? new List<string>(),
    };
}
