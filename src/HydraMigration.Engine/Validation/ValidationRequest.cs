using System;
using System.Collections.Generic;

namespace HydraMigration.Validation;

/// <summary>What Test-HydraMigration was asked to compare, and how.</summary>
internal sealed class ValidationRequest
{
    public ValidationRequest(HydraConnection target) => Target = target;

    public HydraConnection Target { get; }

    /// <summary>A live source; wins over <see cref="Manifest"/> when both are known.</summary>
    public HydraConnection? Source { get; set; }

    /// <summary>The dump's manifest, when the source is what the dump captured.</summary>
    public DumpManifest? Manifest { get; set; }

    public ISet<HydraValidationCategory> Categories { get; set; } = new HashSet<HydraValidationCategory>();

    public IReadOnlyList<string> Schemas { get; set; } = Array.Empty<string>();

    public IReadOnlyList<string> Tables { get; set; } = Array.Empty<string>();

    public IReadOnlyList<string> ExcludeTables { get; set; } = Array.Empty<string>();

    public HydraRowCountMode RowCount { get; set; } = HydraRowCountMode.Exact;

    /// <summary>Connections per server.</summary>
    public int ThrottleLimit { get; set; } = 4;

    /// <summary>Owners were not kept (restore -NoOwner, or the caller says so): ownership is not compared.</summary>
    public bool NoOwner { get; set; }

    /// <summary>Privileges were not kept (restore -NoAcl): the database's grants are not compared.</summary>
    public bool NoAcl { get; set; }

    /// <summary>Rows per key range when hashing a large table.</summary>
    public long RowsPerRange { get; set; } = 100_000;
}
