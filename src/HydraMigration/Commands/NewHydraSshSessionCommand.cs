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

    // The login itself has one home, SshLoginParameters (the inline -Ssh* parameters); these
    // are its values under this cmdlet's unprefixed names, bound straight into it.
    private readonly SshLoginParameters _login = new() { ParameterPrefix = "" };

    /// <summary>The SSH port.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 65535)]
    public int Port { get => _login.SshPort; set => _login.SshPort = value; }

    /// <summary>The user to log in as (default: the credential's user, else the current user).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("User")]
    public string? UserName { get => _login.SshUserName; set => _login.SshUserName = value; }

    /// <summary>User name and password for password authentication.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get => _login.SshCredential; set => _login.SshCredential = value; }

    /// <summary>Private key files (OpenSSH or PEM format).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("IdentityFile")]
    public string[]? KeyFile { get => _login.SshKeyFile; set => _login.SshKeyFile = value; }

    /// <summary>The passphrase of an encrypted key file.</summary>
    [Parameter]
    public SecureString? KeyPassphrase { get => _login.SshKeyPassphrase; set => _login.SshKeyPassphrase = value; }

    /// <summary>The known_hosts file (default ~/.ssh/known_hosts).</summary>
    [Parameter]
    public string? KnownHostsPath { get => _login.SshKnownHostsPath; set => _login.SshKnownHostsPath = value; }

    /// <summary>Trust exactly this host key ("SHA256:…"), whatever known_hosts says.</summary>
    [Parameter]
    public string? HostKeyFingerprint { get => _login.SshHostKeyFingerprint; set => _login.SshHostKeyFingerprint = value; }

    /// <summary>Trust an unknown host on first use and add its key to known_hosts.</summary>
    [Parameter]
    public SwitchParameter AcceptNewHostKey { get => _login.SshAcceptNewHostKey; set => _login.SshAcceptNewHostKey = value; }

    /// <summary>Seconds to wait for the server.</summary>
    [Parameter]
    [ValidateRange(1, SshSessionRequest.MaxConnectTimeoutSeconds)]
    public int ConnectTimeout { get => _login.SshConnectTimeout; set => _login.SshConnectTimeout = value; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        try
        {
            var request = _login.RequestFor(this, HostName);
            var registry = SshSessionRegistry.Current; // read here: the runspace belongs to the pipeline thread
            Execute(SshSessionOperations.Open(request, registry), "Opening SSH session to " + request.Display, WriteObject);
        }
        catch (HydraException ex)
        {
            WriteHydraError(ex);
        }
    }
}
