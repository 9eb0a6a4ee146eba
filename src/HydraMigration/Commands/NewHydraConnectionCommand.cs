using System.Management.Automation;

namespace HydraMigration.Commands;

/// <summary>
/// <para type="synopsis">Describes how to reach a PostgreSQL/Hydra database.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "HydraConnection", DefaultParameterSetName = InlineSet, HelpUri = "https://github.com/hydramigration/HydraMigration/blob/main/README.md")]
[OutputType(typeof(HydraConnection))]
public sealed class NewHydraConnectionCommand : HydraConnectionCmdlet
{
    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        try
        {
            WriteObject(ConnectionFromParameters());
        }
        catch (HydraException ex)
        {
            WriteHydraError(ex);
        }
    }
}
