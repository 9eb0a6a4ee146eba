using System;
using System.Collections.Generic;
using HydraMigration.Dump;
using HydraMigration.Restore;

namespace HydraMigration.Direct;

/// <summary>Everything Copy-HydraDatabase was asked to do.</summary>
internal sealed class DirectCopyRequest
{
    public DirectCopyRequest(HydraConnection source, HydraConnection target)
    {
        Source = source;
        Target = target;
    }

    public HydraConnection Source { get; }

    public HydraConnection Target { get; }

    /// <summary>Workers streaming rows at once.</summary>
    public int Jobs { get; set; } = 1;

    /// <summary>pg_restore jobs building indexes and constraints after the data.</summary>
    public int IndexJobs { get; set; } = 1;

    public IReadOnlyList<string> Schemas { get; set; } = Array.Empty<string>();

    public IReadOnlyList<string> ExcludeSchemas { get; set; } = Array.Empty<string>();

    public IReadOnlyList<string> Tables { get; set; } = Array.Empty<string>();

    public IReadOnlyList<string> ExcludeTables { get; set; } = Array.Empty<string>();

    public IReadOnlyList<string> ExcludeTableData { get; set; } = Array.Empty<string>();

    public bool NoOwner { get; set; }

    public bool NoAcl { get; set; }

    public bool NoTableAccessMethod { get; set; }

    public bool CreateMissingRole { get; set; }

    /// <summary>Copy into a database that already holds objects.</summary>
    public bool Force { get; set; }

    /// <summary>Where to write the manifest the copy recorded (null: kept in memory only).</summary>
    public string? ManifestPath { get; set; }

    public string? PgBinPath { get; set; }

    /// <summary>
    /// Heap tables at least this big are split into ctid ranges that several workers copy at
    /// once, when there are workers and cores to spare (see <see cref="CopyTableReader.Queue"/>).
    /// </summary>
    public long SplitTablesLargerThan { get; set; } = 1L << 30;

    /// <summary>
    /// The filters in New-HydraDump's terms: one home for what -Schema, -Table, -ExcludeTable and
    /// -ExcludeTableData select (<see cref="DumpScope"/>, pg_dump's own rules).
    /// </summary>
    public DumpRequest ScopeRequest() => new(Source, string.Empty)
    {
        Schemas = Schemas,
        ExcludeSchemas = ExcludeSchemas,
        Tables = Tables,
        ExcludeTables = ExcludeTables,
        ExcludeTableData = ExcludeTableData,
        NoOwner = NoOwner,
        NoAcl = NoAcl,
        PgBinPath = PgBinPath,
    };

    /// <summary>The pg_dump run that carries the schema: the same filters, definitions only (the rows go by COPY).</summary>
    public DumpRequest SchemaDumpRequest(string path) => new(Source, path)
    {
        Format = HydraDumpFormat.Custom,
        Schemas = Schemas,
        ExcludeSchemas = ExcludeSchemas,
        Tables = Tables,
        ExcludeTables = ExcludeTables,
        SchemaOnly = true,
        NoOwner = NoOwner,
        NoAcl = NoAcl,
        Compression = "0",
        PgBinPath = PgBinPath,
    };

    /// <summary>The restore of that schema archive, in Restore-HydraDump's terms: its preflight and its pg_restore runs.</summary>
    public RestoreRequest SchemaRestoreRequest(string schemaArchive, DumpManifest manifest) => new(schemaArchive, Target)
    {
        Manifest = manifest,
        NoOwner = NoOwner,
        NoAcl = NoAcl,
        NoTableAccessMethod = NoTableAccessMethod,
        CreateMissingRole = CreateMissingRole,
        Force = Force,
        PgBinPath = PgBinPath,
    };
}
