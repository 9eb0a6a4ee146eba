using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace HydraMigration.Catalog;

/// <summary>
/// Reads the database's own state and the roles it references: the one reader for the dump's
/// manifest (inside its snapshot: shared catalogs are read under the same MVCC snapshot), the
/// restore (the target's current privileges) and the validation of both sides. Roles come from
/// pg_roles, never pg_authid: no password column is ever read.
/// </summary>
internal sealed class DatabaseStateReader
{
    private const string DatabaseSql = @"
SELECT pg_catalog.pg_get_userbyid(d.datdba), d.datconnlimit, pg_catalog.shobj_description(d.oid, 'pg_database')
FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database();
SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(a.grantee) END, a.privilege_type, a.is_grantable
FROM pg_catalog.pg_database d CROSS JOIN LATERAL pg_catalog.aclexplode(coalesce(d.datacl, pg_catalog.acldefault('d', d.datdba))) a
WHERE d.datname = pg_catalog.current_database() ORDER BY 1, 2;
SELECT l.provider, l.label FROM pg_catalog.pg_shseclabel l JOIN pg_catalog.pg_database d ON d.oid = l.objoid
WHERE l.classoid = 'pg_catalog.pg_database'::pg_catalog.regclass AND d.datname = pg_catalog.current_database() ORDER BY 1";

    // Owners and grantees of what a dump of this database carries, and the database's own.
    private const string UserSchema = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp)'";
    private const string ReferencedSql = @"
WITH db AS (SELECT oid, datdba, datacl FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()),
refs(oid) AS (
  SELECT datdba FROM db
  UNION SELECT a.grantee FROM db CROSS JOIN LATERAL pg_catalog.aclexplode(db.datacl) a
  UNION SELECT s.setrole FROM pg_catalog.pg_db_role_setting s JOIN db ON db.oid = s.setdatabase
  UNION SELECT n.nspowner FROM pg_catalog.pg_namespace n WHERE " + UserSchema + @"
  UNION SELECT a.grantee FROM pg_catalog.pg_namespace n CROSS JOIN LATERAL pg_catalog.aclexplode(n.nspacl) a WHERE " + UserSchema + @"
  UNION SELECT c.relowner FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE " + UserSchema + @"
  UNION SELECT a.grantee FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) a WHERE " + UserSchema + @"
  UNION SELECT p.proowner FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE " + UserSchema + @"
  UNION SELECT a.grantee FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace CROSS JOIN LATERAL pg_catalog.aclexplode(p.proacl) a WHERE " + UserSchema + @")
SELECT array_agg(r.rolname::text) FROM pg_catalog.pg_roles r JOIN refs ON refs.oid = r.oid";

    // Predefined roles (pg_*) are the server's, not the database's: never recorded or recreated.
    private const string RolesSql = @"
SELECT r.rolname, r.rolcanlogin, r.rolinherit, r.rolcreatedb, r.rolcreaterole, r.rolconnlimit,
       CASE WHEN r.rolvaliduntil IS NULL THEN NULL
            WHEN pg_catalog.isfinite(r.rolvaliduntil) THEN pg_catalog.to_char(r.rolvaliduntil AT TIME ZONE 'UTC', 'YYYY-MM-DD""T""HH24:MI:SS.US""Z""')
            ELSE r.rolvaliduntil::text END
FROM pg_catalog.pg_roles r WHERE r.rolname = ANY(@names) AND r.rolname !~ '^pg_' ORDER BY 1;
SELECT m.rolname, g.rolname, bool_or(am.admin_option)
FROM pg_catalog.pg_auth_members am JOIN pg_catalog.pg_roles g ON g.oid = am.roleid JOIN pg_catalog.pg_roles m ON m.oid = am.member
WHERE g.rolname = ANY(@names) AND m.rolname = ANY(@names) AND g.rolname !~ '^pg_' AND m.rolname !~ '^pg_'
GROUP BY 1, 2 ORDER BY 1, 2";

    private readonly NpgsqlConnection _connection;

    public DatabaseStateReader(NpgsqlConnection connection) => _connection = connection;

    /// <summary>The current database's owner, privileges (NULL expanded to the default), comment, connection limit and labels.</summary>
    public async Task<ManifestDatabase> ReadDatabaseAsync(CancellationToken cancellationToken)
    {
        var state = new ManifestDatabase();
        var grants = new Dictionary<string, ManifestGrant>(StringComparer.Ordinal);
        using var command = new NpgsqlCommand(DatabaseSql, _connection);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        state.Owner = reader.GetString(0);
        state.ConnectionLimit = reader.GetInt32(1);
        state.Comment = reader.IsDBNull(2) ? null : reader.GetString(2);

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var grantee = reader.GetString(0);
            if (!grants.TryGetValue(grantee, out var grant))
            {
                grants[grantee] = grant = new ManifestGrant { Grantee = grantee };
                state.Acl.Add(grant);
            }

            // The same privilege from two grantors is one privilege to the grantee.
            var privilege = reader.GetString(1);
            if (!grant.Privileges.Contains(privilege))
            {
                grant.Privileges.Add(privilege);
            }

            if (reader.GetBoolean(2) && !grant.GrantOptions.Contains(privilege))
            {
                grant.GrantOptions.Add(privilege);
            }
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            state.SecurityLabels.Add(new ManifestSecurityLabel { Provider = reader.GetString(0), Label = reader.GetString(1) });
        }

        return state;
    }

    /// <summary>The roles this database references: its owner and grantees, roles with settings in it, and owners and grantees of its schemas, relations and functions.</summary>
    public async Task<List<string>> ReadReferencedRoleNamesAsync(CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand(ReferencedSql, _connection);
        var names = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string[];
        return (names ?? Array.Empty<string>()).OrderBy(n => n, StringComparer.Ordinal).ToList();
    }

    /// <summary>The named roles that exist here, with their safe attributes and their memberships among the named roles.</summary>
    public async Task<List<ManifestRole>> ReadRolesAsync(IEnumerable<string> names, CancellationToken cancellationToken)
    {
        var roles = new Dictionary<string, ManifestRole>(StringComparer.Ordinal);
        var list = new List<ManifestRole>();
        using var command = new NpgsqlCommand(RolesSql, _connection);
        command.Parameters.AddWithValue("names", names.Distinct(StringComparer.Ordinal).ToArray());
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var role = new ManifestRole
            {
                Name = reader.GetString(0),
                Login = reader.GetBoolean(1),
                Inherit = reader.GetBoolean(2),
                CreateDb = reader.GetBoolean(3),
                CreateRole = reader.GetBoolean(4),
                ConnectionLimit = reader.GetInt32(5),
                ValidUntil = reader.IsDBNull(6) ? null : reader.GetString(6),
            };
            roles[role.Name] = role;
            list.Add(role);
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (roles.TryGetValue(reader.GetString(0), out var member))
            {
                member.MemberOf.Add(new ManifestMembership { Role = reader.GetString(1), AdminOption = reader.GetBoolean(2) });
            }
        }

        return list;
    }

    /// <summary>The roles a database's own state names: owner, grantees (not PUBLIC) and roles with settings in it.</summary>
    public static IEnumerable<string> RolesNamedBy(ManifestDatabase? state, IEnumerable<ManifestDatabaseSetting> settings)
    {
        var names = new List<string>();
        if (state is not null)
        {
            names.Add(state.Owner);
            names.AddRange(state.Acl.Select(g => g.Grantee).Where(g => g != "PUBLIC"));
        }

        names.AddRange(settings.Where(s => s.Role is not null).Select(s => s.Role!));
        return names;
    }
}
