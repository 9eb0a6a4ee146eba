using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using HydraMigration.Validation;

namespace HydraMigration.Commands;

/// <summary>
/// <para type="synopsis">Proves a migrated database holds what the source (or the dump) held: tables, rows, definitions, columnar options, settings.</para>
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "HydraMigration", DefaultParameterSetName = ConnectionSet, HelpUri = "https://github.com/hydramigration/HydraMigration/blob/main/README.md")]
[OutputType(typeof(HydraValidationResult))]
[OutputType(typeof(bool))]
public sealed class TestHydraMigrationCommand : HydraServerCmdlet
{
    #region Parameters

    /// <summary>A live source to compare with; wins over a manifest.</summary>
    [Parameter]
    [ValidateNotNull]
    public HydraConnection? Source { get; set; }

    /// <summary>The dump's manifest: the object, a HydraDump, or the path of the manifest or its archive. Binds from a HydraDump.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ManifestTransformation]
    public DumpManifest? Manifest { get; set; }

    /// <summary>The dump a restore restored (binds from a HydraRestoreResult): its manifest is the source.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public HydraDump? Dump { get; set; }

    /// <summary>Categories to check (default: all but DataChecksum).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public HydraValidationCategory[] Check { get; set; } = Array.Empty<HydraValidationCategory>();

    /// <summary>Only these schemas (wildcards).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Schema { get; set; } = Array.Empty<string>();

    /// <summary>Only these tables, by name or schema.name (wildcards).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Table { get; set; } = Array.Empty<string>();

    /// <summary>Leave these tables out, by name or schema.name (wildcards).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] ExcludeTable { get; set; } = Array.Empty<string>();

    /// <summary>Exact (count(*) on both sides, the default), Estimate or Skip.</summary>
    [Parameter]
    public HydraRowCountMode RowCount { get; set; } = HydraRowCountMode.Exact;

    /// <summary>Also compare table contents by a hash over key ranges (needs -Source).</summary>
    [Parameter]
    public SwitchParameter DataChecksum { get; set; }

    /// <summary>Connections per server working in parallel.</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 4;

    /// <summary>Owners were not kept: do not compare ownership. Binds from HydraRestoreResult.NoOwner.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("SkipOwnership")]
    public SwitchParameter NoOwner { get; set; }

    /// <summary>Privileges were not kept: do not compare the database's grants. Binds from HydraRestoreResult.NoAcl.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public SwitchParameter NoAcl { get; set; }

    /// <summary>Return only $true (no check failed and at least one passed) or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    #endregion

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        HydraConnection? target = null;
        try
        {
            target = ResolveConnection();
            var request = new ValidationRequest(target)
            {
                Source = Source,
                Manifest = Manifest ?? Dump?.Manifest,
                Categories = SelectedCategories(),
                Schemas = Schema,
                Tables = Table,
                ExcludeTables = ExcludeTable,
                RowCount = RowCount,
                ThrottleLimit = ThrottleLimit,
                NoOwner = NoOwner,
                NoAcl = NoAcl,
            };
            var results = RunOperation("Test-HydraMigration " + target.ServerDisplay, (reporter, token) => new ValidationService(reporter).RunAsync(request, token));

            // Sorted, failures first, and written only now: a streamed table would bury them.
            if (Quiet)
            {
                // Nothing compared proves nothing: $true needs at least one check that passed.
                WriteObject(results.Any(r => r.Status == HydraValidationStatus.Pass) && results.All(r => r.Status != HydraValidationStatus.Fail));
            }
            else
            {
                WriteObject(results, enumerateCollection: true);
            }
        }
        catch (HydraException ex)
        {
            WriteHydraError(ex);
        }
        catch (Exception ex) when (ex is not PipelineStoppedException and not OperationCanceledException)
        {
            WriteUnexpectedError(ex, HydraErrors.ValidationFailed, target);
        }
    }

    private HashSet<HydraValidationCategory> SelectedCategories()
    {
        var categories = Check.Length > 0
            ? new HashSet<HydraValidationCategory>(Check)
            : new HashSet<HydraValidationCategory>(Enum.GetValues(typeof(HydraValidationCategory)).Cast<HydraValidationCategory>().Where(c => c != HydraValidationCategory.DataChecksum));
        if (DataChecksum)
        {
            categories.Add(HydraValidationCategory.DataChecksum);
        }

        return categories;
    }
}
