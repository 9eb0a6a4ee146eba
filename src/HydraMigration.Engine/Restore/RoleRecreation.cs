using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Infrastructure;
using Npgsql;

namespace HydraMigration.Restore;

/// <summary>
/// -CreateMissingRole: creates the roles the archive needs with the attributes the manifest
/// recorded (LOGIN, INHERIT, CREATEDB, CREATEROLE, CONNECTION LIMIT, VALID UNTIL; a role the
/// manifest does not describe is NOLOGIN), then the memberships among the recorded roles that
/// involve a created one, so privileges granted to a group reach its members (not with -NoAcl: a membership is a grant). Never a
/// password: a created LOGIN role cannot log in with one until someone sets it, and a warning
/// says so. Memberships between roles that already existed are the server's business and are
/// left alone (validation reports a difference).
/// </summary>
internal static class RoleRecreation
{
    // created: told of each role as soon as it exists, so a failed restore can drop it again.
    public static async Task CreateAsync(NpgsqlConnection connection, RestorePlan plan, IOperationReporter reporter, Action<string> created, CancellationToken cancellationToken)
    {
        var definitions = (plan.Manifest?.RoleDefinitions ?? new List<ManifestRole>()).GroupBy(r => r.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var createdHere = new HashSet<string>(StringComparer.Ordinal);

        // VALID UNTIL is a literal (CREATE ROLE takes no parameters): Sql.Literal needs standard_conforming_strings on.
        await ExecuteAsync(connection, "SET standard_conforming_strings = on", cancellationToken).ConfigureAwait(false);
        foreach (var name in plan.RolesToCreate.Distinct(StringComparer.Ordinal))
        {
            definitions.TryGetValue(name, out var definition);
            var sql = CreateStatement(name, definition);
            await ExecuteAsync(connection, sql, cancellationToken).ConfigureAwait(false);
            createdHere.Add(name);
            created(name);
            reporter.Verbose("Created role: " + sql);
            if (definition is { Login: true })
            {
                reporter.Warning(string.Format(CultureInfo.InvariantCulture, "Role {0} was created with LOGIN but without a password (passwords never travel with a dump): set one with ALTER ROLE {0} PASSWORD … before it logs in.", Sql.Identifier(name)));
            }
        }

        // -NoAcl: no grants of any kind, and a membership is GRANT role TO member.
        var memberships = plan.Request.NoAcl || plan.Manifest?.Options.NoAcl == true ? Enumerable.Empty<string>() : MembershipStatements(definitions.Values, createdHere, plan.Target.Roles);
        foreach (var sql in memberships)
        {
            try
            {
                await ExecuteAsync(connection, sql, cancellationToken).ConfigureAwait(false);
                reporter.Verbose(sql);
            }
            catch (PostgresException ex)
            {
                // The role exists; a membership the restoring role may not grant is worth a warning, not the restore.
                reporter.Warning(string.Format(CultureInfo.InvariantCulture, "{0} failed: {1} Grant it by hand.", sql, ex.MessageText));
            }
        }
    }

    internal static string CreateStatement(string name, ManifestRole? definition)
    {
        if (definition is null)
        {
            return "CREATE ROLE " + Sql.Identifier(name) + " NOLOGIN";
        }

        var sql = "CREATE ROLE " + Sql.Identifier(name)
            + (definition.Login ? " LOGIN" : " NOLOGIN")
            + (definition.Inherit ? " INHERIT" : " NOINHERIT")
            + (definition.CreateDb ? " CREATEDB" : " NOCREATEDB")
            + (definition.CreateRole ? " CREATEROLE" : " NOCREATEROLE")
            + " CONNECTION LIMIT " + definition.ConnectionLimit.ToString(CultureInfo.InvariantCulture);
        if (definition.ValidUntil is not null)
        {
            sql += " VALID UNTIL " + Sql.Literal(definition.ValidUntil);
        }

        return sql;
    }

    /// <summary>GRANT group TO member for the recorded memberships where either side was just created and both now exist.</summary>
    internal static IEnumerable<string> MembershipStatements(IEnumerable<ManifestRole> definitions, ISet<string> created, ISet<string> existing)
    {
        bool Exists(string role) => created.Contains(role) || existing.Contains(role);
        foreach (var member in definitions.Where(d => Exists(d.Name)))
        {
            foreach (var membership in member.MemberOf.Where(m => Exists(m.Role) && (created.Contains(member.Name) || created.Contains(m.Role))))
            {
                yield return "GRANT " + Sql.Identifier(membership.Role) + " TO " + Sql.Identifier(member.Name) + (membership.AdminOption ? " WITH ADMIN OPTION" : string.Empty);
            }
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
