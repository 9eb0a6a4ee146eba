using System;
using System.Collections.Generic;

namespace HydraMigration;

/// <summary>
/// What a dump really contains, written as JSON beside the archive (<c>NAME.manifest.json</c>).
/// Everything in it was read in the same snapshot pg_dump used, so it describes the archive,
/// not the source as it is later. It never holds a password.
/// </summary>
public sealed class DumpManifest
{
    /// <summary>The file name suffix of a manifest next to its archive.</summary>
    public const string FileSuffix = ".manifest.json";

    /// <summary>The layout this release writes.</summary>
    internal const int CurrentVersion = 2;

    /// <summary>
    /// Layout version of this file. 2 keeps each fact once: a table's catalog facts live in
    /// <see cref="Tables"/> only, as do the extensions and settings, and <see cref="Catalog"/>
    /// holds the other objects. Version 1 (the first releases) repeated them inside the catalog;
    /// it still reads.
    /// </summary>
    public int ManifestVersion { get; set; } = CurrentVersion;

    /// <summary>The module and version that wrote it.</summary>
    public string CreatedBy { get; set; } = string.Empty;

    /// <summary>When the dump started (UTC).</summary>
    public DateTime CreatedUtc { get; set; }

    /// <summary>Wall time of the dump in seconds.</summary>
    public double DurationSeconds { get; set; }

    /// <summary>The archive: format, size, hashes.</summary>
    public ManifestArchive Archive { get; set; } = new();

    /// <summary>Where it was dumped from (no secrets).</summary>
    public ManifestSource Source { get; set; } = new();

    /// <summary>The pg_dump options that shaped the archive.</summary>
    public ManifestDumpOptions Options { get; set; } = new();

    /// <summary>The snapshot pg_dump and the row counts shared.</summary>
    public string? Snapshot { get; set; }

    /// <summary>Extensions installed in the source database.</summary>
    public List<ManifestExtension> Extensions { get; set; } = new();

    /// <summary>Every table in the dump, with its catalog facts (access method, columnar options, columns, owner), row count and size: the one list of them.</summary>
    public List<ManifestTable> Tables { get; set; } = new();

    /// <summary>ALTER DATABASE … SET settings (and per-role ones in this database).</summary>
    public List<ManifestDatabaseSetting> DatabaseSettings { get; set; } = new();

    /// <summary>Roles the archive references as owners or grantees.</summary>
    public List<string> Roles { get; set; } = new();

    /// <summary>
    /// The dump's objects as Test-HydraMigration compares them (null in manifests written before
    /// it existed). Its tables, extensions and settings are this manifest's own
    /// <see cref="Tables"/>, <see cref="Extensions"/> and <see cref="DatabaseSettings"/> — the
    /// same objects, written to the file once.
    /// </summary>
    public CatalogSnapshot? Catalog { get; set; }

    /// <summary>The database's owner, privileges, comment, connection limit and security labels (null in manifests written before they were recorded).</summary>
    public ManifestDatabase? Database { get; set; }

    /// <summary>The referenced roles' safe attributes and memberships among themselves, never a password (null in older manifests).</summary>
    public List<ManifestRole>? RoleDefinitions { get; set; }

    /// <summary>Makes the catalog's tables, extensions and settings this manifest's own lists, so each fact has one home.</summary>
    internal void ShareFactsWithCatalog()
    {
        if (Catalog is null)
        {
            return;
        }

        Catalog.Tables = Tables.ConvertAll(t => (CatalogTable)t);
        Catalog.Extensions = Extensions;
        Catalog.Settings = DatabaseSettings;
    }
}

/// <summary>The archive a manifest describes.</summary>
public sealed class ManifestArchive
{
    /// <summary>Custom, Directory, Tar or Plain.</summary>
    public HydraDumpFormat Format { get; set; }

    /// <summary>File (or folder) name, without a directory.</summary>
    public string FileName { get; set; } = string.Empty;

    /// <summary>Total bytes.</summary>
    public long SizeBytes { get; set; }

    /// <summary>SHA-256 of the file; for a folder, of its files' hashes in name order.</summary>
    public string Sha256 { get; set; } = string.Empty;

    /// <summary>Directory format: each file with its own hash.</summary>
    public List<ManifestArchiveFile> Files { get; set; } = new();

    /// <summary>pg_dump's version (e.g. 15.18).</summary>
    public string PgDumpVersion { get; set; } = string.Empty;
}

/// <summary>One file of a directory-format archive.</summary>
public sealed class ManifestArchiveFile
{
    /// <summary>Path relative to the dump folder, with '/' separators.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Bytes.</summary>
    public long SizeBytes { get; set; }

    /// <summary>SHA-256, lower-case hex.</summary>
    public string Sha256 { get; set; } = string.Empty;
}

/// <summary>The source server and database.</summary>
public sealed class ManifestSource
{
    /// <summary>Host as the dump reached it.</summary>
    public string Host { get; set; } = string.Empty;

    /// <summary>Port.</summary>
    public int Port { get; set; }

    /// <summary>Database name.</summary>
    public string Database { get; set; } = string.Empty;

    /// <summary>The role that ran the dump.</summary>
    public string User { get; set; } = string.Empty;

    /// <summary>server_version (e.g. 15.18).</summary>
    public string ServerVersion { get; set; } = string.Empty;

    /// <summary>server_version_num (e.g. 150018).</summary>
    public int ServerVersionNum { get; set; }

    /// <summary>The database encoding.</summary>
    public string Encoding { get; set; } = string.Empty;

    /// <summary>The database LC_COLLATE.</summary>
    public string Collate { get; set; } = string.Empty;

    /// <summary>The database LC_CTYPE.</summary>
    public string Ctype { get; set; } = string.Empty;
}

/// <summary>The options the dump ran with.</summary>
public sealed class ManifestDumpOptions
{
    /// <summary>-Schema patterns.</summary>
    public List<string> Schemas { get; set; } = new();

    /// <summary>-ExcludeSchema patterns.</summary>
    public List<string> ExcludeSchemas { get; set; } = new();

    /// <summary>-Table patterns.</summary>
    public List<string> Tables { get; set; } = new();

    /// <summary>-ExcludeTable patterns.</summary>
    public List<string> ExcludeTables { get; set; } = new();

    /// <summary>-ExcludeTableData patterns.</summary>
    public List<string> ExcludeTableData { get; set; } = new();

    /// <summary>Only definitions, no data.</summary>
    public bool SchemaOnly { get; set; }

    /// <summary>Only data, no definitions.</summary>
    public bool DataOnly { get; set; }

    /// <summary>Ownership left out.</summary>
    public bool NoOwner { get; set; }

    /// <summary>Privileges left out.</summary>
    public bool NoAcl { get; set; }

    /// <summary>The -Compression value, when given.</summary>
    public string? Compression { get; set; }

    /// <summary>Whether exact row counts were taken.</summary>
    public bool RowCounts { get; set; }
}

/// <summary>An extension in the source database.</summary>
public sealed class ManifestExtension
{
    /// <summary>Name (e.g. columnar).</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Installed version (e.g. 11.1-12).</summary>
    public string Version { get; set; } = string.Empty;

    /// <summary>The schema it was installed into.</summary>
    public string Schema { get; set; } = string.Empty;
}

/// <summary>A table in the dump: its catalog facts, and what the dump holds of it.</summary>
public sealed class ManifestTable : CatalogTable
{
    /// <summary>Exact rows in the dump's snapshot (the table itself, without partitions or children); null when not counted or its data was not dumped.</summary>
    public long? RowCount { get; set; }

    /// <summary>Whether the archive holds this table's rows.</summary>
    public bool DataDumped { get; set; } = true;

    /// <summary>Bytes of its rows on disk in the source, with their TOAST (for progress and scheduling; never for validation).</summary>
    public long SourceSizeBytes { get; set; }
}

/// <summary>Hydra columnar per-table options (columnar.options).</summary>
public sealed class ColumnarOptions
{
    /// <summary>Rows per chunk group.</summary>
    public int? ChunkGroupRowLimit { get; set; }

    /// <summary>Rows per stripe.</summary>
    public int? StripeRowLimit { get; set; }

    /// <summary>none, pglz, lz4 or zstd.</summary>
    public string? Compression { get; set; }

    /// <summary>Compression level.</summary>
    public int? CompressionLevel { get; set; }

    /// <summary>No options row was visible for the table: every option is unknown.</summary>
    internal bool IsUnknown => ChunkGroupRowLimit is null && StripeRowLimit is null && Compression is null && CompressionLevel is null;
}

/// <summary>One ALTER DATABASE … SET (or ALTER ROLE … IN DATABASE … SET) setting.</summary>
public sealed class ManifestDatabaseSetting
{
    /// <summary>null for the database itself; otherwise the role it applies to in this database.</summary>
    public string? Role { get; set; }

    /// <summary>Setting name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Setting value as stored.</summary>
    public string Value { get; set; } = string.Empty;
}
