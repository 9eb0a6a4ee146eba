using System;
using System.Collections.Generic;

namespace HydraMigration.Restore;

/// <summary>Everything Restore-HydraDump was asked to do.</summary>
internal sealed class RestoreRequest
{
    public RestoreRequest(string path, HydraConnection target)
    {
        Path = path;
        Target = target;
    }

    /// <summary>Absolute path of a local archive (file or directory format).</summary>
    public string Path { get; }

    public HydraConnection Target { get; }

    /// <summary>The manifest, when it came with a HydraDump; otherwise the one beside the archive is read.</summary>
    public DumpManifest? Manifest { get; set; }

    /// <summary>Dump ids chosen from Get-HydraDumpContent; empty restores everything.</summary>
    public IReadOnlyCollection<int> SelectedIds { get; set; } = Array.Empty<int>();

    public int Jobs { get; set; } = 1;

    public bool NoOwner { get; set; }

    public bool NoAcl { get; set; }

    public bool Clean { get; set; }

    public bool SingleTransaction { get; set; }

    public bool ExitOnError { get; set; }

    public bool NoTableAccessMethod { get; set; }

    public IReadOnlyList<string> Schemas { get; set; } = Array.Empty<string>();

    public IReadOnlyList<string> Tables { get; set; } = Array.Empty<string>();

    public bool SchemaOnly { get; set; }

    public bool DataOnly { get; set; }

    public string? Role { get; set; }

    /// <summary>Restore into a database that already holds objects.</summary>
    public bool Force { get; set; }

    public bool CreateMissingRole { get; set; }

    /// <summary>The new database's owner was chosen (-Owner): the source database's owner is not applied over it.</summary>
    public bool KeepDatabaseOwner { get; set; }

    public string? PgBinPath { get; set; }
}
