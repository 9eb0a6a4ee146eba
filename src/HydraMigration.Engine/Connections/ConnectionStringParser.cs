using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Text;

namespace HydraMigration.Connections;

/// <summary>
/// Parses the two libpq connection string forms: the URI
/// (<c>postgresql://user@host:port/db?sslmode=require</c>) and the keyword/value string
/// (<c>host=db1 port=5432 dbname='my db'</c>). Errors name the offending keyword, never echo
/// the whole string, because it may hold a password.
/// </summary>
internal static class ConnectionStringParser
{

    private static readonly char[] QuerySeparator = { '&' };

    private static readonly string[] SupportedKeywords =
        { "host", "port", "dbname", "user", "password", "sslmode", "application_name", "connect_timeout" };

    public static ConnectionSettings Parse(string connectionString)
    {
        var text = connectionString.Trim();
        if (text.Length == 0)
        {
            throw Invalid("The connection string is empty.");
        }

        var isUri = text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase);
        try
        {
            return isUri ? ParseUri(text) : ParseKeywordValue(text);
        }
        catch (HydraException ex) when (MayHoldPassword(text, isUri))
        {
            // A misread token could be a piece of the password (password=two words): say nothing of it.
            throw new HydraException(HydraErrors.ConnectionStringInvalid, "The connection string is not valid; its details are not shown because it holds a password. Check its key=value pairs or URI parts, and prefer -Credential for the password.", "ConnectionString", ex.InnerException);
        }
    }

    private static bool MayHoldPassword(string text, bool isUri)
    {
        if (text.IndexOf("password", StringComparison.OrdinalIgnoreCase) >= 0)
        {
            return true;
        }

        if (!isUri)
        {
            return false;
        }

        var authority = text.Substring(text.IndexOf("://", StringComparison.Ordinal) + 3);
        var at = authority.LastIndexOf('@');
        return at > 0 && authority.Substring(0, at).IndexOf(':') >= 0;
    }

    private static ConnectionSettings ParseUri(string uri)
    {
        var settings = new ConnectionSettings();
        var rest = uri.Substring(uri.IndexOf("://", StringComparison.Ordinal) + 3);

        var query = string.Empty;
        var queryStart = rest.IndexOf('?');
        if (queryStart >= 0)
        {
            query = rest.Substring(queryStart + 1);
            rest = rest.Substring(0, queryStart);
        }

        var slash = rest.IndexOf('/');
        if (slash >= 0)
        {
            var db = Decode(rest.Substring(slash + 1));
            if (db.Length > 0)
            {
                settings.Database = db;
            }

            rest = rest.Substring(0, slash);
        }

        var at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = rest.Substring(0, at);
            rest = rest.Substring(at + 1);
            var colon = userInfo.IndexOf(':');
            var user = Decode(colon >= 0 ? userInfo.Substring(0, colon) : userInfo);
            if (user.Length > 0)
            {
                settings.UserName = user;
            }

            if (colon >= 0)
            {
                settings.Password = Decode(userInfo.Substring(colon + 1));
            }
        }

        if (rest.IndexOf(',') >= 0)
        {
            throw Invalid("The connection string names several hosts; HydraMigration connects to one server at a time. Give a single host.");
        }

        ParseHostPort(rest, settings);

        foreach (var pair in query.Split(QuerySeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0)
            {
                throw Invalid("The connection URI has a query parameter without a value.");
            }

            Apply(settings, Decode(pair.Substring(0, eq)), Decode(pair.Substring(eq + 1)));
        }

        return settings;
    }

    private static void ParseHostPort(string hostPort, ConnectionSettings settings)
    {
        if (hostPort.Length == 0)
        {
            return;
        }

        string host;
        string? port = null;
        if (hostPort.StartsWith("[", StringComparison.Ordinal))
        {
            var close = hostPort.IndexOf(']');
            if (close < 0)
            {
                throw Invalid("The connection URI has an IPv6 address without its closing ']'.");
            }

            host = hostPort.Substring(1, close - 1);
            var after = hostPort.Substring(close + 1);
            if (after.StartsWith(":", StringComparison.Ordinal))
            {
                port = after.Substring(1);
            }
        }
        else
        {
            var colon = hostPort.LastIndexOf(':');
            host = colon >= 0 ? hostPort.Substring(0, colon) : hostPort;
            port = colon >= 0 ? hostPort.Substring(colon + 1) : null;
        }

        host = Decode(host);
        if (host.Length > 0)
        {
            settings.HostName = host;
        }

        if (!string.IsNullOrEmpty(port))
        {
            Apply(settings, "port", port!);
        }
    }

    private static ConnectionSettings ParseKeywordValue(string text)
    {
        var settings = new ConnectionSettings();
        var i = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i >= text.Length)
            {
                return settings;
            }

            var keyStart = i;
            while (i < text.Length && text[i] != '=' && !char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            var key = text.Substring(keyStart, i - keyStart);
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i >= text.Length || text[i] != '=')
            {
                throw Invalid(string.Format(CultureInfo.InvariantCulture, "The connection string keyword '{0}' has no '=' and value (expected key=value pairs or a postgresql:// URI).", key));
            }

            i++;
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            var value = new StringBuilder();
            if (i < text.Length && text[i] == '\'')
            {
                i++;
                var closed = false;
                while (i < text.Length)
                {
                    var c = text[i++];
                    if (c == '\\' && i < text.Length)
                    {
                        value.Append(text[i++]);
                    }
                    else if (c == '\'')
                    {
                        closed = true;
                        break;
                    }
                    else
                    {
                        value.Append(c);
                    }
                }

                if (!closed)
                {
                    throw Invalid(string.Format(CultureInfo.InvariantCulture, "The value of '{0}' opens a quote it never closes.", key));
                }
            }
            else
            {
                while (i < text.Length && !char.IsWhiteSpace(text[i]))
                {
                    var c = text[i++];
                    value.Append(c == '\\' && i < text.Length ? text[i++] : c);
                }
            }

            Apply(settings, key, value.ToString());
        }
    }

    private static void Apply(ConnectionSettings settings, string key, string value)
    {
        switch (key.ToLowerInvariant())
        {
            case "host":
                settings.HostName = value;
                break;
            case "port":
                settings.Port = ParsePort(value);
                break;
            case "dbname":
                settings.Database = value;
                break;
            case "user":
                settings.UserName = value;
                break;
            case "password":
                settings.Password = value;
                break;
            case "sslmode":
                settings.SslMode = ParseSslMode(value);
                break;
            case "application_name":
                settings.ApplicationName = value;
                break;
            case "connect_timeout":
                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
                {
                    throw Invalid("connect_timeout must be a whole number of seconds.");
                }

                settings.ConnectTimeoutSeconds = seconds;
                break;
            default:
                throw Invalid(string.Format(CultureInfo.InvariantCulture, "Unknown connection option '{0}'. Supported options: {1}.", key, string.Join(", ", SupportedKeywords)));
        }
    }

    internal static int ParsePort(string value)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port < 1 || port > 65535)
        {
            throw Invalid(string.Format(CultureInfo.InvariantCulture, "'{0}' is not a valid port (1-65535).", value));
        }

        return port;
    }

    /// <summary>Accepts libpq's spelling (verify-full) as well as the enum's (VerifyFull).</summary>
    internal static HydraSslMode ParseSslMode(string value)
    {
        var normalized = value.Replace("-", string.Empty).Replace("_", string.Empty);
        foreach (HydraSslMode mode in Enum.GetValues(typeof(HydraSslMode)))
        {
            if (string.Equals(mode.ToString(), normalized, StringComparison.OrdinalIgnoreCase))
            {
                return mode;
            }
        }

        throw Invalid(string.Format(CultureInfo.InvariantCulture, "'{0}' is not an sslmode. Use disable, allow, prefer, require, verify-ca or verify-full.", value));
    }

    private static string Decode(string value)
    {
        try
        {
            return Uri.UnescapeDataString(value);
        }
        catch (UriFormatException ex)
        {
            throw new HydraException(HydraErrors.ConnectionStringInvalid, "The connection URI has an invalid percent-escape.", null, ex);
        }
    }

    private static HydraException Invalid(string message) =>
        new(HydraErrors.ConnectionStringInvalid, message, "ConnectionString");
}
