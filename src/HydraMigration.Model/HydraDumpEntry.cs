using System.Globalization;

namespace HydraMigration;

/// <summary>
/// One entry of a dump's table of contents (what <c>pg_restore --list</c> shows), with the
/// archive it came from so a filtered list can be piped to Restore-HydraDump.
/// </summary>
public sealed class HydraDumpEntry
{
    internal HydraDumpEntry(string path, int id, string type, string? schema, string name, string? owner, string? tableAccessMethod, long? dataSize, string section)
    {
        Path = path;
        Id = id;
        Type = type;
        Schema = schema;
        Name = name;
        Owner = owner;
        TableAccessMethod = tableAccessMethod;
        DataSize = dataSize;
        Section = section;
    }

    /// <summary>The archive this entry belongs to.</summary>
    public string Path { get; }

    /// <summary>The dump id (the number pg_restore --use-list reads).</summary>
    public int Id { get; }

    /// <summary>The entry type: TABLE, TABLE DATA, INDEX, FUNCTION, EXTENSION, ACL…</summary>
    public string Type { get; }

    /// <summary>The schema, when the object lives in one.</summary>
    public string? Schema { get; }

    /// <summary>The object's name as pg_dump tags it (functions carry their argument types).</summary>
    public string Name { get; }

    /// <summary>The owning role, when the entry has one.</summary>
    public string? Owner { get; }

    /// <summary>For tables: heap, columnar… as recorded by pg_dump.</summary>
    public string? TableAccessMethod { get; }

    /// <summary>Bytes of data stored for the entry (compressed as in the archive); null when it holds none or the archive does not say.</summary>
    public long? DataSize { get; }

    /// <summary>PreData, Data, PostData or None.</summary>
    public string Section { get; }

    /// <summary>The line pg_restore --use-list expects for this entry.</summary>
    public override string ToString() =>
        string.Format(CultureInfo.InvariantCulture, "{0}; {1} {2} {3}", Id, Type, Schema ?? "-", Name);
}
