using System;
using System.Collections.Generic;

namespace HydraMigration;

/// <summary>
/// A database on a server, as New-HydraDatabase made (or found) it. Its <see cref="Connection"/>
/// points at the database itself, so piping it into Restore-HydraDump restores into it.
/// </summary>
public sealed class HydraDatabase
{
    internal HydraDatabase(HydraConnection connection, string encoding, string collate, string ctype, string owner, IReadOnlyList<string> extensions, bool created)
    {
        Connection = connection;
        Encoding = encoding;
        Collate = collate;
        Ctype = ctype;
        Owner = owner;
        Extensions = extensions;
        Created = created;
    }

    /// <summary>"host:port" of the server.</summary>
    public string Server => Connection.HostName + ":" + Connection.Port;

    /// <summary>The database name.</summary>
    public string Name => Connection.Database;

    /// <summary>The database encoding (e.g. UTF8).</summary>
    public string Encoding { get; }

    /// <summary>LC_COLLATE.</summary>
    public string Collate { get; }

    /// <summary>LC_CTYPE.</summary>
    public string Ctype { get; }

    /// <summary>The owning role.</summary>
    public string Owner { get; }

    /// <summary>Extensions installed in it, as "name version".</summary>
    public IReadOnlyList<string> Extensions { get; }

    /// <summary>True when this call created it; false when -IfNotExists found it already there.</summary>
    public bool Created { get; }

    /// <summary>A connection to this database, with the credentials that created it.</summary>
    public HydraConnection Connection { get; }

    /// <summary>"name on host:port".</summary>
    public override string ToString() => Name + " on " + Server;
}
