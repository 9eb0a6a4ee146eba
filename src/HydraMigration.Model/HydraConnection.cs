using System.Globalization;
using System.Management.Automation;

namespace HydraMigration;

/// <summary>
/// A reusable description of how to reach one PostgreSQL/Hydra database. It holds no open
/// connection; every cmdlet that uses it connects for its own call. The password, when
/// there is one, lives only inside <see cref="Credential"/> and is never shown.
/// </summary>
public sealed class HydraConnection
{
    /// <summary>The PostgreSQL default port.</summary>
    public const int DefaultPort = 5432;

    internal HydraConnection(string hostName, int port, string database, string userName, PSCredential? credential, HydraSslMode sslMode, string applicationName, int connectTimeoutSeconds, HydraSshSession? sshTunnel = null)
    {
        HostName = hostName;
        Port = port;
        Database = database;
        UserName = userName;
        Credential = credential;
        SslMode = sslMode;
        ApplicationName = applicationName;
        ConnectTimeoutSeconds = connectTimeoutSeconds;
        SshTunnel = sshTunnel;
    }

    /// <summary>Host name or address of the server.</summary>
    public string HostName { get; }

    /// <summary>TCP port of the server.</summary>
    public int Port { get; }

    /// <summary>Database name.</summary>
    public string Database { get; }

    /// <summary>Role to log in as.</summary>
    public string UserName { get; }

    /// <summary>The password, when one was given; otherwise libpq's PGPASSWORD / .pgpass apply.</summary>
    public PSCredential? Credential { get; }

    /// <summary>TLS mode.</summary>
    public HydraSslMode SslMode { get; }

    /// <summary>The application_name the server sees.</summary>
    public string ApplicationName { get; }

    /// <summary>Seconds to wait for the server to answer a connection attempt.</summary>
    public int ConnectTimeoutSeconds { get; }

    /// <summary>
    /// When set, the server is reached through this SSH session: <see cref="HostName"/> and
    /// <see cref="Port"/> are as that SSH host sees them, and each call opens a local port
    /// forward for as long as it runs.
    /// </summary>
    public HydraSshSession? SshTunnel { get; }

    /// <summary>True when a password travels with this connection (never the password itself).</summary>
    public bool HasPassword => Credential is not null;

    /// <summary>"user@host:port/database" (and " via ssh user@sshhost" for a tunnel) — never a password.</summary>
    public override string ToString() =>
        string.Format(CultureInfo.InvariantCulture, "{0}@{1}:{2}/{3}", UserName, HostForDisplay, Port, Database) + TunnelSuffix;

    /// <summary>"host:port/database", for messages about the server rather than the login.</summary>
    internal string ServerDisplay => string.Format(CultureInfo.InvariantCulture, "{0}:{1}/{2}", HostForDisplay, Port, Database) + TunnelSuffix;

    private string TunnelSuffix => SshTunnel is null ? "" : " via ssh " + SshTunnel;

    private string HostForDisplay => HostName.IndexOf(':') >= 0 ? "[" + HostName + "]" : HostName;

    internal string? GetPassword() => Credential?.GetNetworkCredential().Password;
}
