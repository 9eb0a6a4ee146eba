using System;
using System.Management.Automation;
using System.Security;
using HydraMigration.Ssh;

namespace HydraMigration.Commands;

/// <summary>
/// <para type="synopsis">Opens an SSH connection whose host key is verified.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "HydraSshSession", HelpUri = "https://github.com/hydramigration/HydraMigration/blob/main/README.md")]
[OutputType(typeof(HydraSshSession))]
public sealed class NewHydraSshSessionCommand : HydraCmdlet
{
    /// <summary>The SSH host.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("ComputerName", "Host")]
    [ValidateNotNullOrEmpty]
    public string HostName { get; set; } = "";

    /// <summary>The SSH port.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 65535)]
    public int Port { get; set; } = SshSessionRequest.DefaultPort;

    /// <summary>The user to log in as (default: the credential's user, else the current user).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("User")]
    public string? UserName { get; set; }

    /// <summary>User name and password for password authentication.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>Private key files (OpenSSH or PEM format).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("IdentityFile")]
    public string[]? KeyFile { get; set; }

    /// <summary>The passphrase of an encrypted key file.</summary>
    [Parameter]
    public SecureString? KeyPassphrase { get; set; }

    /// <summary>The known_hosts file (default ~/.ssh/known_hosts).</summary>
    [Parameter]
    public string? KnownHostsPath { get; set; }

    /// <summary>Trust exactly this host key ("SHA256:…"), whatever known_hosts says.</summary>
    [Parameter]
    public string? HostKeyFingerprint { get; set; }

    /// <summary>Trust an unknown host on first use and add its key to known_hosts.</summary>
    [Parameter]
    public SwitchParameter AcceptNewHostKey { get; set; }

    /// <summary>Seconds to wait for the server.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int ConnectTimeout { get; set; } = 15;

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        try
        {
            var login = new SshLoginParameters
            {
                SshPort = Port,
                SshUserName = UserName,
                SshCredential = Credential,
                SshKeyFile = KeyFile,
                SshKeyPassphrase = KeyPassphrase,
                SshKnownHostsPath = KnownHostsPath,
                SshHostKeyFingerprint = HostKeyFingerprint,
                SshAcceptNewHostKey = AcceptNewHostKey,
                SshConnectTimeout = ConnectTimeout,
            };
            var request = login.RequestFor(this, HostName);
            request.ParameterPrefix = ""; // messages name this cmdlet's own parameters (-KeyFile, not -SshKeyFile)
            var registry = SshSessionRegistry.Current; // read here: the runspace belongs to the pipeline thread
            WriteObject(RunOperation("Opening SSH session to " + request.Display, (reporter, token) => SshSessions.OpenAsync(request, registry, reporter, token)));
        }
        catch (HydraException ex)
        {
            WriteHydraError(ex);
        }
    }
}
