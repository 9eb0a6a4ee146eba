using System.Management.Automation;

namespace HydraMigration.Commands;

/// <summary>
/// <para type="synopsis">Describes how to reach a PostgreSQL/Hydra database.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "HydraConnection", DefaultParameterSetName = InlineSet, HelpUri = "https://github.com/hydramigration/HydraMigration/blob/main/README.md")]
[OutputType(typeof(HydraConnection))]
public sealed class NewHydraConnectionCommand : HydraConnectionCmdlet
{
    /// <summary>Reach the server through this SSH session (host and port as that SSH host sees them).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("SshSession")]
    public HydraSshSession? SshTunnel { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        try
        {
            WriteObject(ConnectionFromParameters(sshTunnel: SshTunnel));
        }
        catch (HydraException ex)
        {
            WriteHydraError(ex);
        }
    }
}
