using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace HydraMigration.Tools;

/// <summary>
/// Describes a <see cref="HydraConnection"/> to a libpq program (pg_dump, pg_restore) through
/// its environment instead of its command line: names need no quoting there, and the password
/// goes into a private passfile that PGPASSFILE points to, so it never appears in a process list.
/// </summary>
internal static class LibpqEnvironment
{
    private static readonly char[] LineBreaks = { '\r', '\n' };

    /// <summary>
    /// The variables to set for the child (null means: remove the inherited one). When the
    /// connection carries a password, a passfile is written into <paramref name="privateFolder"/>;
    /// through an SSH tunnel, a local forward is held open until the folder is disposed.
    /// </summary>
    public static IDictionary<string, string?> For(HydraConnection connection, PrivateTempDirectory privateFolder)
    {
        var tunnel = connection.SshTunnel is { } sshTunnel ? SshSessionConnection.Of(sshTunnel).Forward(connection.HostName, connection.Port) : null;
        if (tunnel is not null)
        {
            privateFolder.DisposeWith(tunnel);
        }

        var variables = ConnectionVariables(connection, tunnel is null ? connection.HostName : "127.0.0.1", tunnel?.LocalPort ?? connection.Port);
        var password = connection.GetPassword();
        if (password is not null && HasLineBreak(password))
        {
            // A passfile line cannot hold a line break; the child's private environment can.
            variables["PGPASSWORD"] = password;
        }
        else if (password is not null)
        {
            variables["PGPASSFILE"] = privateFolder.WriteOwnerOnlyFile("pgpass", PassfileLine(password));

            // libpq prefers PGPASSWORD over the passfile; an inherited one must not win.
            variables["PGPASSWORD"] = null;
        }

        return variables;
    }

    /// <summary>
    /// Everything but the password: where to connect, as whom, and the settings that keep the
    /// tool's messages readable. Null means: remove the inherited variable.
    /// </summary>
    public static Dictionary<string, string?> ConnectionVariables(HydraConnection connection, string host, int port)
    {
        return new Dictionary<string, string?>
        {
            ["PGHOST"] = host,
            ["PGPORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["PGDATABASE"] = connection.Database,
            ["PGUSER"] = connection.UserName,
            ["PGSSLMODE"] = SslModeKeyword(connection.SslMode),
            ["PGAPPNAME"] = connection.ApplicationName,
            ["PGCONNECT_TIMEOUT"] = connection.ConnectTimeoutSeconds.ToString(CultureInfo.InvariantCulture),

            // These would redirect the child to another server than the one described.
            ["PGHOSTADDR"] = null,
            ["PGSERVICE"] = null,

            // The module reads the tools' messages (progress, errors, "No space left on device"):
            // they must be the untranslated ones.
            ["LC_MESSAGES"] = "C",
            ["LC_ALL"] = null,
            ["LANGUAGE"] = null,
        };
    }

    /// <summary>True when the password cannot go into a passfile line.</summary>
    public static bool HasLineBreak(string password) => password.IndexOfAny(LineBreaks) >= 0;

    public static string SslModeKeyword(HydraSslMode mode) => mode switch
    {
        HydraSslMode.VerifyCA => "verify-ca",
        HydraSslMode.VerifyFull => "verify-full",
        _ => mode.ToString().ToLowerInvariant(),
    };

    /// <summary>One .pgpass line matching any server: the file is private to this one call.</summary>
    internal static string PassfileLine(string password)
    {
        var escaped = new StringBuilder();
        foreach (var c in password)
        {
            if (c is '\\' or ':')
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return "*:*:*:*:" + escaped + "\n";
    }
}
