using System;
using System.Collections.Generic;
using HydraMigration.Dump;
using HydraMigration.Restore;

namespace HydraMigration.Direct;

/// <summary>
/// Everything Copy-HydraDatabase was asked to do. The cmdlet's options bind straight into one
/// of these (no servers yet); <see cref="For"/> makes the request for the servers and paths, so
/// each option is spelled here and as its parameter, with no copy between them.
/// </summary>
internal sealed class DirectCopyRequest
{
    /// <summary>The options alone, as the cmdlet binds them; <see cref="For"/> adds the servers.</summary>
    public DirectCopyRequest()
    {
        Source = null!;
        Target = null!;
    }

    public DirectCopyRequest(HydraConnection source, HydraConnection target)
    {
        Source = source;
        Target = target;
    }

    public HydraConnection Source { get; private set; }

    public HydraConnection Target { get; private set; }

    /// <summary>Workers streaming rows at once.</summary>
    public int Jobs { get; set; } = 1;

    /// <summary>pg_restore jobs building indexes and constraints after the data; 0: as many as <see cref="Jobs"/>.</summary>
    public int IndexJobs { get; set; }

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

    /// <summary>These options for copying <paramref name="source"/> into <paramref name="target"/>, with the paths resolved.</summary>
    public DirectCopyRequest For(HydraConnection source, HydraConnection target, string? manifestPath, string? pgBinPath)
    {
        var request = (DirectCopyRequest)MemberwiseClone();
        request.Source = source;
        request.Target = target;
        request.ManifestPath = manifestPath;
        request.PgBinPath = pgBinPath;
        request.IndexJobs = IndexJobs > 0 ? IndexJobs : Jobs;
        return request;
    }

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
