using System;
using System.Collections.Generic;

namespace HydraMigration;

/// <summary>
/// The comparable facts of one database — what Test-HydraMigration compares between a source
/// (live, or recorded in a dump's manifest) and a target. Plain data, so the manifest can carry
/// it as JSON. Storage sizes are deliberately absent: a restore legitimately changes them.
/// </summary>
public sealed class CatalogSnapshot
{
    /// <summary>The database's name when read.</summary>
    public string Database { get; set; } = string.Empty;

    /// <summary>Schemas outside the system and extensions.</summary>
    public List<CatalogObject> Schemas { get; set; } = new();

    /// <summary>Ordinary and partitioned tables.</summary>
    public List<CatalogTable> Tables { get; set; } = new();

    /// <summary>Views and materialized views.</summary>
    public List<CatalogObject> Views { get; set; } = new();

    /// <summary>Functions and procedures; the name carries the identity arguments.</summary>
    public List<CatalogObject> Functions { get; set; } = new();

    /// <summary>Indexes; <see cref="CatalogObject.Table"/> names the table they belong to.</summary>
    public List<CatalogObject> Indexes { get; set; } = new();

    /// <summary>Table and domain constraints, named "table.constraint" (or "domain.constraint").</summary>
    public List<CatalogObject> Constraints { get; set; } = new();

    /// <summary>Sequences; their next value is compared separately (never behind).</summary>
    public List<CatalogSequence> Sequences { get; set; } = new();

    /// <summary>User triggers, named "table.trigger".</summary>
    public List<CatalogObject> Triggers { get; set; } = new();

    /// <summary>Installed extensions.</summary>
    public List<ManifestExtension> Extensions { get; set; } = new();

    /// <summary>ALTER DATABASE … SET (and per-role in this database) settings.</summary>
    public List<ManifestDatabaseSetting> Settings { get; set; } = new();

    /// <summary>The database's own state (owner, privileges, comment, connection limit, labels); a manifest keeps it in <see cref="DumpManifest.Database"/> instead.</summary>
    public ManifestDatabase? DatabaseState { get; set; }

    /// <summary>The roles this database references, with attributes and memberships among them; a manifest keeps them in <see cref="DumpManifest.RoleDefinitions"/> instead.</summary>
    public List<ManifestRole>? Roles { get; set; }
}

/// <summary>A named object and the facts about it that must match after a migration.</summary>
public sealed class CatalogObject
{
    /// <summary>Schema name (empty for a schema itself, whose name is <see cref="Name"/>).</summary>
    public string Schema { get; set; } = string.Empty;

    /// <summary>Name, unique within its schema and category.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The table the object belongs to (indexes, constraints, triggers), for table filters.</summary>
    public string? Table { get; set; }

    /// <summary>The owning role, where objects have one.</summary>
    public string? Owner { get; set; }

    /// <summary>Compared facts, by check name (Definition, Valid, Kind…).</summary>
    public SortedDictionary<string, string> Facts { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>A table: its columns, access method and columnar options. A dump's manifest holds them as <see cref="ManifestTable"/>s, with the dump's own facts added.</summary>
public class CatalogTable
{
    /// <summary>Schema name.</summary>
    public string Schema { get; set; } = string.Empty;

    /// <summary>Table name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>table or partitioned table.</summary>
    public string Kind { get; set; } = "table";

    /// <summary>heap, columnar… (null for partitioned tables).</summary>
    public string? AccessMethod { get; set; }

    /// <summary>The owning role.</summary>
    public string? Owner { get; set; }

    /// <summary>"name type [NOT NULL] [DEFAULT expr]" per column, in column order.</summary>
    public List<string> Columns { get; set; } = new();

    /// <summary>The primary key's columns, in key order (empty without one).</summary>
    public List<string> PrimaryKey { get; set; } = new();

    /// <summary>Whether the first primary key column is an integer (so key ranges can split the table).</summary>
    public bool IntegerKey { get; set; }

    /// <summary>The planner's row estimate, for scheduling and key ranges; never compared.</summary>
    public double EstimatedRows { get; set; }

    /// <summary>The columnar options of a columnar table (all unknown when the reading role sees no options row).</summary>
    public ColumnarOptions? Columnar { get; set; }

    /// <summary>pg_class.oid where it was read (never written to a manifest: it differs on every server).</summary>
    internal uint Oid { get; set; }

    /// <summary>"schema.name" exactly as pg_dump --verbose prints it.</summary>
    internal string DisplayName => Schema + "." + Name;
}

/// <summary>A sequence and the value its next nextval() returns.</summary>
public sealed class CatalogSequence
{
    /// <summary>Schema name.</summary>
    public string Schema { get; set; } = string.Empty;

    /// <summary>Sequence name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The owning role.</summary>
    public string? Owner { get; set; }

    /// <summary>What nextval() returns next (null when this role may not read it).</summary>
    public decimal? NextValue { get; set; }

    /// <summary>The table whose column owns it (serial and identity columns), for table filters.</summary>
    public string? Table { get; set; }

    /// <summary>Step (negative for descending sequences).</summary>
    public long Increment { get; set; }
}
