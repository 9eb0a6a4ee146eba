namespace HydraMigration.Connections;

/// <summary>
/// The connection settings a user gave, before defaults are filled in: each is null when
/// not given. Produced by <see cref="ConnectionStringParser"/> and by cmdlet parameters.
/// </summary>
internal sealed class ConnectionSettings
{
    public string? HostName { get; set; }

    public int? Port { get; set; }

    public string? Database { get; set; }

    public string? UserName { get; set; }

    public string? Password { get; set; }

    public HydraSslMode? SslMode { get; set; }

    public string? ApplicationName { get; set; }

    public int? ConnectTimeoutSeconds { get; set; }

    /// <summary>Values set in <paramref name="overrides"/> win over the ones here.</summary>
    public void OverlayWith(ConnectionSettings overrides)
    {
        HostName = overrides.HostName ?? HostName;
        Port = overrides.Port ?? Port;
        Database = overrides.Database ?? Database;
        UserName = overrides.UserName ?? UserName;
        Password = overrides.Password ?? Password;
        SslMode = overrides.SslMode ?? SslMode;
        ApplicationName = overrides.ApplicationName ?? ApplicationName;
        ConnectTimeoutSeconds = overrides.ConnectTimeoutSeconds ?? ConnectTimeoutSeconds;
    }
}
