using System;
using System.Collections.Generic;

namespace HydraMigration.Dump;

/// <summary>
/// Everything New-HydraDump was asked to do, in plain form for the service. New-HydraDump's
/// options bind straight into one of these (no source or path yet); <see cref="For"/> makes the
/// request for each source, so each option is spelled here and as its parameter, with no copy.
/// </summary>
internal sealed class DumpRequest
{
    /// <summary>The options alone, as the cmdlet binds them; <see cref="For"/> adds the source and the path.</summary>
    public DumpRequest()
    {
        Source = null!;
        Path = string.Empty;
    }

    public DumpRequest(HydraConnection source, string path)
    {
        Source = source;
        Path = path;
    }

    public HydraConnection Source { get; private set; }

    /// <summary>An absolute file-system path: a file/folder name, or an existing folder to put a generated name in.</summary>
    public string Path { get; private set; }

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

    /// <summary>These options for dumping <paramref name="source"/> to <paramref name="path"/>, on <paramref name="sshSession"/>'s host or (null) here.</summary>
    public DumpRequest For(HydraConnection source, string path, HydraSshSession? sshSession, string? pgBinPath)
    {
        var request = (DumpRequest)MemberwiseClone();
        request.Source = source;
        request.Path = path;
        request.SshSession = sshSession;
        request.PgBinPath = pgBinPath;
        return request;
    }
}
