namespace HydraMigration.Catalog;

/// <summary>
/// A table as the catalog lists it, with what a dump needs to choose and weigh it (how pg_dump's
/// patterns see it, its size): the table's facts themselves are <see cref="Table"/>'s, filled in
/// by <see cref="CatalogReader.ReadObjectsAsync"/>.
/// </summary>
internal sealed class SourceTable
{
    public SourceTable(CatalogTable table, bool visible, long sizeBytes)
    {
        Table = table;
        Visible = visible;
        SizeBytes = sizeBytes;
    }

    public CatalogTable Table { get; }

    public uint Oid => Table.Oid;

    public string Schema => Table.Schema;

    public string Name => Table.Name;

    /// <summary>pg_class.relkind: r (table) or p (partitioned table).</summary>
    public char Kind => Table.Kind == CatalogReader.PartitionedTable ? 'p' : 'r';

    public string? AccessMethod => Table.AccessMethod;

    /// <summary>pg_table_is_visible under the login's default search_path (how pg_dump resolves unqualified -t); false when the reading was not asked for it.</summary>
    public bool Visible { get; }

    public long SizeBytes { get; }

    /// <summary>"schema.name" exactly as pg_dump --verbose prints it.</summary>
    public string DisplayName => Table.DisplayName;
}
