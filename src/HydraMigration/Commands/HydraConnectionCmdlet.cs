using System.Management.Automation;
using HydraMigration.Connections;

namespace HydraMigration.Commands;

/// <summary>
/// The connection parameters every server-facing cmdlet shares, so they are spelled and bound
/// the same everywhere: either a <see cref="HydraConnection"/> (-Connection, or piped in), or
/// the same inline parameters New-HydraConnection takes. All bind by property name, so a CSV of
/// servers or any object with HostName/Port/Database columns drives them.
/// </summary>
public abstract class HydraConnectionCmdlet : HydraCmdlet
{
    /// <summary>Parameter set of the inline connection parameters.</summary>
    protected const string InlineSet = "Inline";

    /// <summary>Parameter set of -Connection.</summary>
    protected const string ConnectionSet = "Connection";

    #region Inline connection parameters

    /// <summary>Host name or address (default: $env:PGHOST, else localhost).</summary>
    [Parameter(ParameterSetName = InlineSet, ValueFromPipelineByPropertyName = true)]
    // No "Server" alias: HydraDatabase.Server ("host:port") would bind to it when piped.
    [Alias("Host", "ComputerName")]
    [ValidateNotNullOrEmpty]
    public string? HostName { get; set; }

    /// <summary>TCP port (default: $env:PGPORT, else 5432).</summary>
    [Parameter(ParameterSetName = InlineSet, ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 65535)]
    public int? Port { get; set; }

    /// <summary>Database name (default: $env:PGDATABASE, else the user name).</summary>
    [Parameter(ParameterSetName = InlineSet, ValueFromPipelineByPropertyName = true)]
    [Alias("DatabaseName", "DbName")]
    [ValidateNotNullOrEmpty]
    public string? Database { get; set; }

    /// <summary>Role to log in as (default: the credential's user, $env:PGUSER, else the OS user).</summary>
    [Parameter(ParameterSetName = InlineSet, ValueFromPipelineByPropertyName = true)]
    [Alias("User")]
    [ValidateNotNullOrEmpty]
    public string? UserName { get; set; }

    /// <summary>User name and password. Without it, libpq's PGPASSWORD and .pgpass apply.</summary>
    [Parameter(ParameterSetName = InlineSet, ValueFromPipelineByPropertyName = true)]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>TLS mode (default: $env:PGSSLMODE, else Prefer).</summary>
    [Parameter(ParameterSetName = InlineSet, ValueFromPipelineByPropertyName = true)]
    public HydraSslMode? SslMode { get; set; }

    /// <summary>application_name the server sees (default HydraMigration).</summary>
    [Parameter(ParameterSetName = InlineSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? ApplicationName { get; set; }

    /// <summary>Seconds to wait for a connection (default 15; 0 waits forever).</summary>
    [Parameter(ParameterSetName = InlineSet, ValueFromPipelineByPropertyName = true)]
    [ValidateRange(0, 3600)]
    public int? ConnectTimeout { get; set; }

    /// <summary>A libpq URI (postgresql://user@host:port/db?sslmode=require) or key=value string; the parameters above override its values.</summary>
    [Parameter(ParameterSetName = InlineSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? ConnectionString { get; set; }

    #endregion

    /// <summary>The connection the inline parameters describe; <paramref name="defaultDatabase"/> when none names a database.</summary>
    internal HydraConnection ConnectionFromParameters(string? defaultDatabase = null, HydraSshSession? sshTunnel = null)
    {
        var settings = ConnectionString is null ? new ConnectionSettings() : ConnectionStringParser.Parse(ConnectionString);
        settings.Database ??= defaultDatabase;
        settings.OverlayWith(new ConnectionSettings
        {
            HostName = HostName,
            Port = Port,
            Database = Database,
            UserName = UserName,
            SslMode = SslMode,
            ApplicationName = ApplicationName,
            ConnectTimeoutSeconds = ConnectTimeout,
        });
        return HydraConnectionFactory.Create(settings, Credential, sshTunnel);
    }
}

/// <summary>A cmdlet that talks to a server: -Connection, or the inline parameters.</summary>
public abstract class HydraServerCmdlet : HydraConnectionCmdlet
{
    /// <summary>A connection from New-HydraConnection (or anything with a Connection property).</summary>
    [Parameter(ParameterSetName = ConnectionSet, Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNull]
    public HydraConnection? Connection { get; set; }

    /// <summary>The server this call works on.</summary>
    internal HydraConnection ResolveConnection() => Connection ?? ConnectionFromParameters();
}
