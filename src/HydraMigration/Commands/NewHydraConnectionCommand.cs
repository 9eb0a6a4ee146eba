using System.Management.Automation;

namespace HydraMigration.Commands;

/// <summary>
/// <para type="synopsis">Describes how to reach a PostgreSQL/Hydra database.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "HydraConnection", DefaultParameterSetName = InlineSet, HelpUri = "https://github.com/hydramigration/HydraMigration/blob/main/README.md")]
[OutputType(typeof(HydraConnection))]
public sealed class NewHydraConnectionCommand : HydraConnectionCmdlet, IDynamicParameters
{
    private readonly SshLoginParameters _sshLogin = new();

    /// <summary>Reach the server through this SSH session (host and port as that SSH host sees them).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("SshSession")]
    public HydraSshSession? SshTunnel { get; set; }

    /// <summary>Reach the server through SSH to this host, logged in with the -Ssh* parameters each time a cmdlet uses the connection.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? SshHostName { get; set; }

    /// <inheritdoc />
    public object GetDynamicParameters() => _sshLogin;

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        try
        {
            SshLoginParameters.RefuseBoth(SshTunnel, SshHostName, nameof(SshTunnel), nameof(SshHostName));
            SshLoginParameters.RequireHost(this, SshHostName is not null, "-SshHostName");
            WriteObject(ConnectionFromParameters(sshTunnel: SshTunnel ?? _sshLogin.SessionFor(this, SshHostName)));
        }
        catch (HydraException ex)
        {
            WriteHydraError(ex);
        }
    }
}
