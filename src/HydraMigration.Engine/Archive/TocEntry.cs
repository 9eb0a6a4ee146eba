using System;
using System.Collections.Generic;

namespace HydraMigration.Archive;

/// <summary>One entry of an archive's table of contents, exactly as pg_dump wrote it.</summary>
internal sealed class TocEntry
{
    public int DumpId { get; set; }

    public bool HadDumper { get; set; }

    public uint TableOid { get; set; }

    public uint Oid { get; set; }

    public string Tag { get; set; } = string.Empty;

    public string Desc { get; set; } = string.Empty;

    /// <summary>1 none, 2 pre-data, 3 data, 4 post-data (pg_dump's teSection).</summary>
    public int Section { get; set; }

    public string? Namespace { get; set; }

    public string? Tablespace { get; set; }

    public string? TableAccessMethod { get; set; }

    public string? Owner { get; set; }

    public string? Definition { get; set; }

    public IReadOnlyList<int> Dependencies { get; set; } = Array.Empty<int>();

    /// <summary>Custom format: where the entry's data block starts, when pg_dump recorded it.</summary>
    public long? DataOffset { get; set; }

    /// <summary>Tar and directory formats: the member / file that holds the entry's data.</summary>
    public string? DataFileName { get; set; }

    /// <summary>Bytes of data the archive holds for the entry (compressed, as stored); null when unknown.</summary>
    public long? DataSize { get; set; }

    /// <summary>
    /// False for the entries pg_restore applies by itself and never lists or selects: the session
    /// settings (ENCODING, STDSTRINGS, SEARCHPATH) and the database itself (restored only with --create).
    /// </summary>
    public bool IsSelectable => Desc is not ("ENCODING" or "STDSTRINGS" or "SEARCHPATH" or "DATABASE" or "DATABASE PROPERTIES");
}

/// <summary>An archive's header and table of contents.</summary>
internal sealed class ArchiveToc
{
    public HydraDumpFormat Format { get; set; }

    public string ArchiveVersion { get; set; } = string.Empty;

    public string? DatabaseName { get; set; }

    public string? ServerVersion { get; set; }

    public string? PgDumpVersion { get; set; }

    public string Compression { get; set; } = "none";

    public List<TocEntry> Entries { get; } = new();
}
