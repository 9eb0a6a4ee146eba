using System;
using System.Collections.Generic;

namespace HydraMigration.Dump;

/// <summary>Everything New-HydraDump was asked to do, in plain form for the service.</summary>
internal sealed class DumpRequest
{
    public DumpRequest(HydraConnection source, string path)
    {
        Source = source;
        Path = path;
    }

    public HydraConnection Source { get; }

    /// <summary>An absolute file-system path: a file/folder name, or an existing folder to put a generated name in.</summary>
    public string Path { get; }

    public HydraDumpFormat Format { get; set; } = HydraDumpFormat.Custom;

    public int Jobs { get; set; } = 1;

    public IReadOnlyList<string> Schemas { get; set; } = Array.Empty<string>();

    public IReadOnlyList<string> ExcludeSchemas { get; set; } = Array.Empty<string>();

    public IReadOnlyList<string> Tables { get; set; } = Array.Empty<string>();

    public IReadOnlyList<string> ExcludeTables { get; set; } = Array.Empty<string>();

    public IReadOnlyList<string> ExcludeTableData { get; set; } = Array.Empty<string>();

    public bool SchemaOnly { get; set; }

    public bool DataOnly { get; set; }

    public bool NoOwner { get; set; }

    public bool NoAcl { get; set; }

    public string? Compression { get; set; }

    public bool SkipRowCount { get; set; }

    public bool Force { get; set; }

    public string? PgBinPath { get; set; }

    /// <summary>Run pg_dump on this SSH host and write the archive there; null for this computer.</summary>
    public HydraSshSession? SshSession { get; set; }
}
