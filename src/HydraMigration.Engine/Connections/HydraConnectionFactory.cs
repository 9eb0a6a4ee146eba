using System;
using System.Globalization;
using System.Management.Automation;
using System.Security;

namespace HydraMigration.Connections;

/// <summary>
/// Fills in what the user left out the way libpq would (PGHOST, PGPORT, PGDATABASE, PGUSER,
/// PGSSLMODE, then built-in defaults) and builds the immutable <see cref="HydraConnection"/>.
/// </summary>
internal static class HydraConnectionFactory
{
    public const string DefaultApplicationName = "HydraMigration";
    public const int DefaultConnectTimeoutSeconds = 15;

    public static HydraConnection Create(ConnectionSettings settings, PSCredential? credential, HydraSshSession? sshTunnel = null)
    {
        var user = settings.UserName
            ?? NullIfEmpty(credential?.UserName)
            ?? Env("PGUSER")
            ?? Environment.UserName;

        if (credential is null && settings.Password is not null)
        {
            credential = new PSCredential(user, ToSecureString(settings.Password));
        }

        var port = settings.Port ?? (Env("PGPORT") is { } envPort ? ConnectionStringParser.ParsePort(envPort) : HydraConnection.DefaultPort);
        var sslMode = settings.SslMode ?? (Env("PGSSLMODE") is { } envSsl ? ConnectionStringParser.ParseSslMode(envSsl) : HydraSslMode.Prefer);
        var timeout = settings.ConnectTimeoutSeconds ?? DefaultConnectTimeoutSeconds;
        if (timeout < 0)
        {
            throw new HydraException(HydraErrors.ConnectTimeoutInvalid, string.Format(CultureInfo.InvariantCulture, "The connect timeout must be zero (wait forever) or more seconds, not {0}.", timeout));
        }

        if (sshTunnel is not null)
        {
            RefuseVerifyFullThroughTunnel(sslMode, sshTunnel);
        }

        return new HydraConnection(
            settings.HostName ?? Env("PGHOST") ?? "localhost",
            port,
            settings.Database ?? Env("PGDATABASE") ?? user,
            user,
            credential,
            sslMode,
            settings.ApplicationName ?? DefaultApplicationName,
            timeout,
            sshTunnel);
    }

    /// <summary>The same connection pointed at another database on the same server.</summary>
    public static HydraConnection WithDatabase(HydraConnection connection, string database) =>
        new(connection.HostName, connection.Port, database, connection.UserName, connection.Credential, connection.SslMode, connection.ApplicationName, connection.ConnectTimeoutSeconds, connection.SshTunnel);

    /// <summary>The same connection reached through <paramref name="tunnel"/> (host and port as that SSH host sees them).</summary>
    public static HydraConnection Through(HydraConnection connection, HydraSshSession tunnel)
    {
        RefuseVerifyFullThroughTunnel(connection.SslMode, tunnel);
        return new(connection.HostName, connection.Port, connection.Database, connection.UserName, connection.Credential, connection.SslMode, connection.ApplicationName, connection.ConnectTimeoutSeconds, tunnel);
    }

    /// <summary>
    /// Through a forward the client connects to 127.0.0.1, so verify-full would check the server's
    /// certificate against that address and fail for every real certificate: say so up front.
    /// </summary>
    private static void RefuseVerifyFullThroughTunnel(HydraSslMode sslMode, HydraSshSession tunnel)
    {
        if (sslMode == HydraSslMode.VerifyFull)
        {
            throw new HydraException(HydraErrors.SslVerifyFullThroughTunnel, string.Format(CultureInfo.InvariantCulture,
                "-SslMode VerifyFull cannot be checked through the SSH session {0}: the connection arrives at a local port, not at the certificate's host name. Use -SslMode VerifyCA (the certificate chain is still verified) or Require; the SSH session already authenticates the path.", tunnel), tunnel);
        }
    }

    private static SecureString ToSecureString(string value)
    {
        var secure = new SecureString();
        foreach (var c in value)
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }

    private static string? Env(string name) => NullIfEmpty(Environment.GetEnvironmentVariable(name));

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
