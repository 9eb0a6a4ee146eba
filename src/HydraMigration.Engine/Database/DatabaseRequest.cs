using System;
using System.Collections.Generic;

namespace HydraMigration.Database;

/// <summary>What New-HydraDatabase was asked to create.</summary>
internal sealed class DatabaseRequest
{
    public DatabaseRequest(HydraConnection server, string name)
    {
        Server = server;
        Name = name;
    }

    /// <summary>The server, reached through a maintenance database (never the one being created).</summary>
    public HydraConnection Server { get; }

    public string Name { get; }

    public string Encoding { get; set; } = "UTF8";

    public string? LcCollate { get; set; }

    public string? LcCtype { get; set; }

    public string Template { get; set; } = "template0";

    public string? Owner { get; set; }

    public string? Tablespace { get; set; }

    public IReadOnlyList<string> Extensions { get; set; } = Array.Empty<string>();

    public bool IfNotExists { get; set; }

    /// <summary>Drop and recreate an existing database.</summary>
    public bool Force { get; set; }

    /// <summary>With <see cref="Force"/>: end other sessions on the database instead of refusing.</summary>
    public bool TerminateConnections { get; set; }
}
