using System.Collections.Generic;

namespace HydraMigration;

/// <summary>
/// The database's own state, which pg_dump puts into an archive only for pg_restore --create
/// (and a plain dump without --create not at all): owner, privileges, comment, connection limit
/// and security labels. Read in the dump's snapshot and re-applied by Restore-HydraDump.
/// </summary>
public sealed class ManifestDatabase
{
    /// <summary>The owning role.</summary>
    public string Owner { get; set; } = string.Empty;

    /// <summary>
    /// The privileges on the database, one entry per grantee ("PUBLIC" for everyone). A database
    /// with no explicit privileges (datacl NULL) is recorded as acldefault('d', owner) expands it,
    /// so the default and its explicit equivalent are the same list.
    /// </summary>
    public List<ManifestGrant> Acl { get; set; } = new();

    /// <summary>COMMENT ON DATABASE, or null.</summary>
    public string? Comment { get; set; }

    /// <summary>CONNECTION LIMIT (-1: no limit).</summary>
    public int ConnectionLimit { get; set; } = -1;

    /// <summary>SECURITY LABEL ON DATABASE, per label provider (pg_shseclabel).</summary>
    public List<ManifestSecurityLabel> SecurityLabels { get; set; } = new();
}

/// <summary>What one grantee may do on the database.</summary>
public sealed class ManifestGrant
{
    /// <summary>The role, or PUBLIC.</summary>
    public string Grantee { get; set; } = string.Empty;

    /// <summary>Privileges held (CONNECT, CREATE, TEMPORARY), in name order.</summary>
    public List<string> Privileges { get; set; } = new();

    /// <summary>The privileges among them the grantee may grant on (WITH GRANT OPTION).</summary>
    public List<string> GrantOptions { get; set; } = new();
}

/// <summary>A security label on the database.</summary>
public sealed class ManifestSecurityLabel
{
    /// <summary>The label provider (e.g. selinux).</summary>
    public string Provider { get; set; } = string.Empty;

    /// <summary>The label.</summary>
    public string Label { get; set; } = string.Empty;
}

/// <summary>
/// A role the archive references (an owner, a grantee, a role with settings in the database),
/// with the attributes that are safe to carry to another server. Never a password: the catalog
/// read is pg_roles without its password column, and -CreateMissingRole creates LOGIN roles
/// without one. SUPERUSER, REPLICATION and BYPASSRLS are deliberately not carried.
/// </summary>
public sealed class ManifestRole
{
    /// <summary>The role's name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>LOGIN.</summary>
    public bool Login { get; set; }

    /// <summary>INHERIT (the default).</summary>
    public bool Inherit { get; set; } = true;

    /// <summary>CREATEDB.</summary>
    public bool CreateDb { get; set; }

    /// <summary>CREATEROLE.</summary>
    public bool CreateRole { get; set; }

    /// <summary>CONNECTION LIMIT (-1: no limit).</summary>
    public int ConnectionLimit { get; set; } = -1;

    /// <summary>VALID UNTIL as the server printed it (ISO 8601 with offset), or null.</summary>
    public string? ValidUntil { get; set; }

    /// <summary>The referenced roles this role is a member of.</summary>
    public List<ManifestMembership> MemberOf { get; set; } = new();
}

/// <summary>Membership in a role (GRANT role TO member).</summary>
public sealed class ManifestMembership
{
    /// <summary>The group role.</summary>
    public string Role { get; set; } = string.Empty;

    /// <summary>WITH ADMIN OPTION.</summary>
    public bool AdminOption { get; set; }
}
