using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace HydraMigration.Catalog;

/// <summary>
/// What the restore's preflight needs to know about the target server and database, read in one
/// round of queries: the server-wide facts (available extensions, roles, collations, the login's
/// privileges) the catalog of one database does not hold. It lives beside
/// <see cref="CatalogReader"/> so the catalog has one home.
/// </summary>
internal sealed class TargetFacts
{
    // What a database made from template0 holds.
    private static readonly string[] TemplateSchemas = { "public", "pg_catalog", "information_schema" };

    public int ServerVersionNum { get; private set; }

    public string ServerVersion { get; private set; } = string.Empty;

    public string Encoding { get; private set; } = string.Empty;

    /// <summary>Extensions the server can install: name to default version.</summary>
    public Dictionary<string, string> AvailableExtensions { get; } = new(StringComparer.Ordinal);

    /// <summary>Extensions installed in the target database: name to version.</summary>
    public Dictionary<string, string> InstalledExtensions { get; } = new(StringComparer.Ordinal);

    public HashSet<string> AccessMethods { get; } = new(StringComparer.Ordinal);

    public HashSet<string> Roles { get; } = new(StringComparer.Ordinal);

    public HashSet<string> Schemas { get; } = new(StringComparer.Ordinal);

    /// <summary>Collation names, both bare and schema-qualified ("pg_catalog.en_US").</summary>
    public HashSet<string> Collations { get; } = new(StringComparer.Ordinal);

    /// <summary>Tables, views, sequences, functions and types outside the system schemas and extensions.</summary>
    public long UserObjects { get; private set; }

    /// <summary>The login's privileges, for the preflight's privilege checks.</summary>
    public LoginPrivileges Login { get; } = new();

    /// <summary>Describes the database about to be created instead of the one the facts were read from.</summary>
    public void AssumeNewDatabase(string encoding)
    {
        Encoding = encoding;
        UserObjects = 0;
        InstalledExtensions.Clear();
        Schemas.IntersectWith(TemplateSchemas);

        // The login creates it, so owns it: CREATE on it, and on public (owned by pg_database_owner since 15, open to all before).
        Login.CanCreateInDatabase = true;
        Login.SchemasWithCreate.Clear();
        Login.SchemasWithCreate.Add("public");
    }

    public static async Task<TargetFacts> ReadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var facts = new TargetFacts();
        const string sql = @"
SELECT current_setting('server_version_num')::int, current_setting('server_version'), pg_catalog.pg_encoding_to_char(d.encoding)
FROM pg_catalog.pg_database d WHERE d.datname = current_database();
SELECT name, coalesce(default_version, '') FROM pg_catalog.pg_available_extensions;
SELECT extname, extversion FROM pg_catalog.pg_extension;
SELECT amname FROM pg_catalog.pg_am WHERE amtype = 't';
SELECT rolname FROM pg_catalog.pg_roles;
SELECT c.collname, n.nspname FROM pg_catalog.pg_collation c JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace;
SELECT nspname FROM pg_catalog.pg_namespace;
SELECT (SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend x WHERE x.classid = 'pg_catalog.pg_class'::regclass AND x.objid = c.oid AND x.deptype = 'e'))
     + (SELECT count(*) FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend x WHERE x.classid = 'pg_catalog.pg_proc'::regclass AND x.objid = p.oid AND x.deptype = 'e'));
SELECT current_user, r.rolsuper, r.rolcreaterole, pg_catalog.has_database_privilege(current_database(), 'CREATE') FROM pg_catalog.pg_roles r WHERE r.rolname = current_user;
SELECT nspname FROM pg_catalog.pg_namespace WHERE pg_catalog.has_schema_privilege(oid, 'CREATE');
SELECT rolname FROM pg_catalog.pg_roles WHERE pg_catalog.pg_has_role(current_user, oid, 'MEMBER');
SELECT v.name FROM pg_catalog.pg_available_extension_versions v JOIN pg_catalog.pg_available_extensions e ON e.name = v.name AND e.default_version = v.version WHERE v.trusted;";
        using var command = new NpgsqlCommand(sql, connection);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        facts.ServerVersionNum = reader.GetInt32(0);
        facts.ServerVersion = reader.GetString(1).Split(' ')[0];
        facts.Encoding = reader.GetString(2);

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            facts.AvailableExtensions[reader.GetString(0)] = reader.GetString(1);
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            facts.InstalledExtensions[reader.GetString(0)] = reader.GetString(1);
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            facts.AccessMethods.Add(reader.GetString(0));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            facts.Roles.Add(reader.GetString(0));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            facts.Collations.Add(reader.GetString(0));
            facts.Collations.Add(reader.GetString(1) + "." + reader.GetString(0));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            facts.Schemas.Add(reader.GetString(0));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        facts.UserObjects = reader.GetInt64(0);

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        facts.Login.Name = reader.GetString(0);
        facts.Login.IsSuperuser = reader.GetBoolean(1);
        facts.Login.CanCreateRole = reader.GetBoolean(2);
        facts.Login.CanCreateInDatabase = reader.GetBoolean(3);
        await ReadNamesAsync(reader, facts.Login.SchemasWithCreate, cancellationToken).ConfigureAwait(false);
        await ReadNamesAsync(reader, facts.Login.MemberOf, cancellationToken).ConfigureAwait(false);
        await ReadNamesAsync(reader, facts.Login.TrustedExtensions, cancellationToken).ConfigureAwait(false);
        return facts;
    }

    private static async Task ReadNamesAsync(NpgsqlDataReader reader, HashSet<string> into, CancellationToken cancellationToken)
    {
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            into.Add(reader.GetString(0));
        }
    }
}

/// <summary>What the target login may do: a superuser may do everything, anyone else only what was granted.</summary>
internal sealed class LoginPrivileges
{
    public string Name { get; set; } = string.Empty;

    public bool IsSuperuser { get; set; }

    public bool CanCreateRole { get; set; }

    /// <summary>CREATE on the database: new schemas, and trusted extensions.</summary>
    public bool CanCreateInDatabase { get; set; }

    public HashSet<string> SchemasWithCreate { get; } = new(StringComparer.Ordinal);

    /// <summary>Roles the login is a member of (itself included): it may give objects to these.</summary>
    public HashSet<string> MemberOf { get; } = new(StringComparer.Ordinal);

    /// <summary>Extensions whose default version a non-superuser with CREATE on the database may install.</summary>
    public HashSet<string> TrustedExtensions { get; } = new(StringComparer.Ordinal);
}
