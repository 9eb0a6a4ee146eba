using System;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace HydraMigration.Connections;

/// <summary>
/// Opens Npgsql connections for a <see cref="HydraConnection"/> and turns the ways that can
/// fail (wrong password, unknown database, nobody listening) into errors that say what to do.
/// Pooling is off: a module that creates and drops databases must not leave idle sessions
/// behind, and each cmdlet call owns its connections.
/// </summary>
internal static class ServerConnector
{
    public static async Task<NpgsqlConnection> OpenAsync(HydraConnection target, CancellationToken cancellationToken)
    {
        // Through a tunnel, Npgsql talks to a local forward that lives as long as this connection.
        var tunnel = target.SshTunnel is { } sshTunnel ? SshSessionConnection.Of(sshTunnel).Forward(target.HostName, target.Port, cancellationToken) : null;
        var connection = new NpgsqlConnection(BuildConnectionString(target, tunnel?.LocalPort));
        if (tunnel is not null)
        {
            connection.StateChange += (_, e) =>
            {
                if (e.CurrentState == System.Data.ConnectionState.Closed)
                {
                    tunnel.Dispose();
                }
            };
        }

        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var unreachable = tunnel is { DestinationUnreachable: true } && ex is not PostgresException;
            await connection.DisposeAsync().ConfigureAwait(false);
            tunnel?.Dispose();
            throw unreachable ? UnreachableFromSshHost(ex, target) : Translate(ex, target);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            tunnel?.Dispose();
            throw;
        }
    }

    internal static string BuildConnectionString(HydraConnection target, int? tunnelPort = null)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = tunnelPort is null ? target.HostName : "127.0.0.1",
            Port = tunnelPort ?? target.Port,
            Database = target.Database,
            Username = target.UserName,
            SslMode = (SslMode)(int)target.SslMode,
            ApplicationName = target.ApplicationName,
            Timeout = target.ConnectTimeoutSeconds,
            CommandTimeout = 0,
            Pooling = false,
        };

        var password = target.GetPassword();
        if (password is not null)
        {
            builder.Password = password;
        }

        return builder.ConnectionString;
    }

    /// <summary>Maps a connection failure to a <see cref="HydraException"/>; the message never includes a password.</summary>
    public static HydraException Translate(Exception ex, HydraConnection target)
    {
        var server = target.ServerDisplay;
        switch (ex)
        {
            case PostgresException pg when pg.SqlState is PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification:
                return new HydraException(HydraErrors.AuthenticationFailed,
                    string.Format(CultureInfo.InvariantCulture, "The server {0} refused the login of role '{1}': {2} Check the user name and the password in -Credential (or PGPASSWORD / .pgpass).", server, target.UserName, pg.MessageText.TrimEnd('.') + "."),
                    target,
                    ex);
            case PostgresException pg when pg.SqlState == PostgresErrorCodes.InvalidCatalogName:
                return new HydraException(HydraErrors.DatabaseNotFound,
                    string.Format(CultureInfo.InvariantCulture, "The database '{0}' does not exist on {1}:{2}. Check -Database, or create it first.", target.Database, target.HostName, target.Port),
                    target,
                    ex);
            case PostgresException pg:
                return new HydraException(HydraErrors.ServerError,
                    string.Format(CultureInfo.InvariantCulture, "The server {0} rejected the connection: {1} (SQLSTATE {2}).", server, pg.MessageText, pg.SqlState),
                    target,
                    ex);
            // The server asked for a password and none was at hand: Npgsql says so itself, with no
            // SQLSTATE and no network failure inside (those carry a SocketException, IOException
            // or TimeoutException), and only when no password was given.
            case NpgsqlException { InnerException: null } when target.GetPassword() is null:
                return new HydraException(HydraErrors.AuthenticationFailed,
                    string.Format(CultureInfo.InvariantCulture, "The server {0} asks for a password for role '{1}' and none was given. Pass -Credential, or set PGPASSWORD / a .pgpass entry.", server, target.UserName),
                    target,
                    ex);
            case NpgsqlException or SocketException or IOException or TimeoutException:
                return new HydraException(HydraErrors.ServerUnreachable,
                    string.Format(CultureInfo.InvariantCulture, "Cannot reach the PostgreSQL server at {0}:{1}: {2} Check the host name, the port, and that the server accepts TCP connections from here.", target.HostName, target.Port, Innermost(ex).Message.TrimEnd('.') + "."),
                    target,
                    ex);
            default:
                return new HydraException(HydraErrors.ConnectionFailed, string.Format(CultureInfo.InvariantCulture, "Connecting to {0} failed: {1}", server, ex.Message), target, ex);
        }
    }

    /// <summary>
    /// When <paramref name="target"/> is reached through an SSH tunnel whose connection has
    /// dropped, the error that says so (whatever a client of the tunnel saw: a lost connection,
    /// pg_dump's "server closed the connection unexpectedly"); null otherwise.
    /// </summary>
    public static HydraException? TunnelLost(HydraConnection target, Exception? inner)
    {
        if (target.SshTunnel is not { } session || !SshSessionConnection.Of(session).Dropped)
        {
            return null;
        }

        return new HydraException(HydraErrors.SshTunnelLost, string.Format(CultureInfo.InvariantCulture,
            "The SSH connection to {0}, which tunnels to {1}:{2}, dropped during the call. {3}",
            session, target.HostName, target.Port,
            session.OpensPerCall ? "Run the command again: it logs in anew." : "Open a new session with New-HydraSshSession, give it to New-HydraConnection -SshTunnel, and run the command again."), target, inner);
    }

    /// <summary>
    /// Through a tunnel, the SSH host connects to the server: when it cannot, the forwarded
    /// connection just closes (Npgsql: "Attempted to read past the end of the stream"). Say
    /// what happened, naming the address as the SSH host sees it.
    /// </summary>
    private static HydraException UnreachableFromSshHost(Exception ex, HydraConnection target) =>
        new(HydraErrors.ServerUnreachableFromSshHost, string.Format(CultureInfo.InvariantCulture,
            "The SSH host {0} cannot reach the PostgreSQL server at {1}:{2}: it closed the forwarded connection before any server answered. -HostName and -Port name the server as the SSH host sees it (localhost there is the SSH host itself): check them, and that PostgreSQL listens there and accepts TCP connections from the SSH host.",
            target.SshTunnel, target.HostName, target.Port), target, ex);

    /// <summary>A failure after the connection was made: a query the server refused, or the connection lost.</summary>
    public static HydraException QueryFailed(NpgsqlException ex, HydraConnection target) =>
        ex is not PostgresException && TunnelLost(target, ex) is { } lost
            ? lost
            : ex is PostgresException pg
            ? new HydraException(HydraErrors.ServerQueryFailed, string.Format(CultureInfo.InvariantCulture, "A query on {0} failed: {1} (SQLSTATE {2}).", target.ServerDisplay, pg.MessageText, pg.SqlState), target, ex)
            : new HydraException(HydraErrors.ServerConnectionLost, string.Format(CultureInfo.InvariantCulture, "The connection to {0} was lost: {1}", target.ServerDisplay, Innermost(ex).Message), target, ex);

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }

        return ex;
    }
}
