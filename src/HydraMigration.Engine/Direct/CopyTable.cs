using System.Collections.Generic;
using System.Globalization;
using HydraMigration.Infrastructure;

namespace HydraMigration.Direct;

/// <summary>A table whose rows the copy carries, with what its COPY needs to know.</summary>
internal sealed class CopyTable
{
    public CopyTable(string schema, string name, long sizeBytes, long pages, bool columnar, IReadOnlyList<string> columns, string? textReason)
    {
        Schema = schema;
        Name = name;
        SizeBytes = sizeBytes;
        Pages = pages;
        Columnar = columnar;
        Columns = columns;
        TextReason = textReason;
    }

    public string Schema { get; }

    public string Name { get; }

    /// <summary>Its rows' bytes on the source (heap and TOAST, as <see cref="Catalog.CatalogReader"/> reads them): what progress counts.</summary>
    public long SizeBytes { get; }

    /// <summary>Heap pages on the source, for ctid ranges.</summary>
    public long Pages { get; }

    public bool Columnar { get; }

    /// <summary>The columns COPY carries (quoted): generated columns are computed by the target, not copied.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Why binary COPY cannot carry this table (null: binary).</summary>
    public string? TextReason { get; }

    public bool Binary => TextReason is null;

    public string Qualified => Sql.Qualified(Schema, Name);

    /// <summary>" (a, b)", or nothing for a table without columns (COPY takes no empty list).</summary>
    public string ColumnList => Columns.Count == 0 ? string.Empty : " (" + string.Join(", ", Columns) + ")";

    public string DisplayName => Schema + "." + Name;

    /// <summary>COPY … FROM STDIN on the target.</summary>
    public string TargetCopySql() =>
        "COPY " + Qualified + ColumnList + " FROM STDIN" + (Binary ? " (FORMAT binary)" : string.Empty);
}

/// <summary>One worker's unit: a whole table, or a range of a big heap table's pages.</summary>
internal sealed class CopyWorkItem
{
    public CopyWorkItem(CopyTable table, long? fromPage = null, long? toPage = null, int part = 0, int parts = 1)
    {
        Table = table;
        FromPage = fromPage;
        ToPage = toPage;
        Part = part;
        Parts = parts;
    }

    public CopyTable Table { get; }

    /// <summary>First page of the range (null: the whole table).</summary>
    public long? FromPage { get; }

    /// <summary>End of the range, exclusive (null: to the end, including pages added since the size was read).</summary>
    public long? ToPage { get; }

    public int Part { get; }

    public int Parts { get; }

    /// <summary>Its share of the table's bytes, for ordering and progress.</summary>
    public long Bytes => Table.SizeBytes / Parts;

    public string Describe() => Parts == 1
        ? Table.DisplayName
        : string.Format(CultureInfo.InvariantCulture, "{0} (part {1} of {2}, pages {3}-{4})", Table.DisplayName, Part + 1, Parts, FromPage, ToPage?.ToString(CultureInfo.InvariantCulture) ?? "end");

    /// <summary>COPY … TO STDOUT on the source; a range reads only its pages (a TID range scan).</summary>
    public string SourceCopySql()
    {
        var format = Table.Binary ? " (FORMAT binary)" : string.Empty;
        var columns = string.Join(", ", Table.Columns);
        if (FromPage is null)
        {
            return "COPY " + Table.Qualified + Table.ColumnList + " TO STDOUT" + format;
        }

        var where = "ctid >= '(" + FromPage.Value.ToString(CultureInfo.InvariantCulture) + ",0)'::tid"
            + (ToPage is null ? string.Empty : " AND ctid < '(" + ToPage.Value.ToString(CultureInfo.InvariantCulture) + ",0)'::tid");
        return "COPY (SELECT " + columns + " FROM ONLY " + Table.Qualified + " WHERE " + where + ") TO STDOUT" + format;
    }
}
