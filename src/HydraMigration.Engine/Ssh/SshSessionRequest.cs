using System.Management.Automation;
using System.Security;

namespace HydraMigration.Ssh;

/// <summary>Everything needed to open and trust one SSH connection.</summary>
internal sealed class SshSessionRequest
{
    public const int DefaultPort = 22;

    /// <summary>Seconds to wait for the SSH server unless told otherwise.</summary>
    public const int DefaultConnectTimeoutSeconds = 15;

    /// <summary>The longest wait a login may ask for.</summary>
    public const int MaxConnectTimeoutSeconds = 3600;

    public SshSessionRequest(string hostName, int port, string userName)
    {
        HostName = hostName;
        Port = port;
        UserName = userName;
    }

    public string HostName { get; }

    public int Port { get; }

    public string UserName { get; }

    /// <summary>Password authentication (also answers keyboard-interactive password prompts).</summary>
    public PSCredential? Credential { get; set; }

    /// <summary>Private key files (OpenSSH or PEM), tried in order.</summary>
    public string[] KeyFiles { get; set; } = System.Array.Empty<string>();

    public SecureString? KeyPassphrase { get; set; }

    /// <summary>The known_hosts file consulted (and appended to with <see cref="AcceptNewHostKey"/>).</summary>
    public string KnownHostsPath { get; set; } = "";

    /// <summary>"SHA256:…": trust exactly this key, whatever known_hosts says.</summary>
    public string? HostKeyFingerprint { get; set; }

    /// <summary>Trust an unknown host on first use and remember it; a changed key is still refused.</summary>
    public bool AcceptNewHostKey { get; set; }

    public int ConnectTimeoutSeconds { get; set; } = DefaultConnectTimeoutSeconds;

    /// <summary>"Ssh" when the request comes from a cmdlet's inline -Ssh* parameters: messages then name those.</summary>
    public string ParameterPrefix { get; set; } = "";

    /// <summary>How the user gave <paramref name="name"/>: "-KeyFile" to New-HydraSshSession, "-SshKeyFile" inline.</summary>
    public string Parameter(string name) => "-" + ParameterPrefix + name;

    /// <summary>"user@host:port", for messages.</summary>
    public string Display => Port == DefaultPort
        ? UserName + "@" + HostName
        : UserName + "@" + HostName + ":" + Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
