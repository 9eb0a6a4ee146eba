using System;
using System.Collections.Generic;
using System.Globalization;

namespace HydraMigration.Database;

/// <summary>
/// What New-HydraDatabase (or Restore-HydraDump -CreateDatabase) was asked to create. The
/// cmdlets' database options bind straight into one of these (no server or name yet); <see
/// cref="For"/> then names the database and the server.
/// </summary>
internal sealed class DatabaseRequest
{
    private string? _lcCollate;
    private string? _lcCtype;

    /// <summary>The options alone, as a cmdlet binds them; <see cref="For"/> adds the server and the name.</summary>
    public DatabaseRequest()
    {
        Server = null!;
        Name = string.Empty;
    }

    public DatabaseRequest(HydraConnection server, string name)
    {
        Server = server;
        Name = name;
    }

    /// <summary>The server, reached through a maintenance database (never the one being created).</summary>
    public HydraConnection Server { get; private set; }

    public string Name { get; private set; }

    public string Encoding { get; set; } = "UTF8";

    /// <summary>LC_COLLATE and LC_CTYPE both, where neither is given on its own.</summary>
    public string? Locale { get; set; }

    /// <summary>LC_COLLATE: its own value, else <see cref="Locale"/>.</summary>
    public string? LcCollate { get => _lcCollate ?? Locale; set => _lcCollate = value; }

    /// <summary>LC_CTYPE: its own value, else <see cref="Locale"/>.</summary>
    public string? LcCtype { get => _lcCtype ?? Locale; set => _lcCtype = value; }

    public string Template { get; set; } = "template0";

    public string? Owner { get; set; }

    public string? Tablespace { get; set; }

    public IReadOnlyList<string> Extensions { get; set; } = Array.Empty<string>();

    public bool IfNotExists { get; set; }

    /// <summary>Drop and recreate an existing database.</summary>
    public bool Force { get; set; }

    /// <summary>With <see cref="Force"/>: end other sessions on the database instead of refusing.</summary>
    public bool TerminateConnections { get; set; }

    /// <summary>What -WhatIf and -Confirm say about creating the database.</summary>
    public string CreateAction => "Create database (encoding " + Encoding + ", template " + Template + ")";

    /// <summary>"database 'shop' on db1:5432", what ShouldProcess names.</summary>
    public string Display => string.Format(CultureInfo.InvariantCulture, "database '{0}' on {1}:{2}", Name, Server.HostName, Server.Port);

    /// <summary>These options for the database <paramref name="name"/>, reached through <paramref name="server"/>.</summary>
    public DatabaseRequest For(HydraConnection server, string name)
    {
        var request = (DatabaseRequest)MemberwiseClone();
        request.Server = server;
        request.Name = name;
        return request;
    }
}
