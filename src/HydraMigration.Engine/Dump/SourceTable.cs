namespace HydraMigration.Dump;

/// <summary>A table as the source catalog describes it, before the dump decides its fate.</summary>
internal sealed class SourceTable
{
    public SourceTable(uint oid, string schema, string name, char kind, string? accessMethod, bool visible, long sizeBytes)
    {
        Oid = oid;
        Schema = schema;
        Name = name;
        Kind = kind;
        AccessMethod = accessMethod;
        Visible = visible;
        SizeBytes = sizeBytes;
    }

    public uint Oid { get; }

    public string Schema { get; }

    public string Name { get; }

    /// <summary>pg_class.relkind: r (table) or p (partitioned table).</summary>
    public char Kind { get; }

    public string? AccessMethod { get; }

    /// <summary>pg_table_is_visible under the login's default search_path (how pg_dump resolves unqualified -t).</summary>
    public bool Visible { get; }

    public long SizeBytes { get; }

    /// <summary>"schema.name" exactly as pg_dump --verbose prints it.</summary>
    public string DisplayName => Schema + "." + Name;
}
