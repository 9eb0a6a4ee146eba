namespace HydraMigration;

/// <summary>pg_dump's output formats.</summary>
public enum HydraDumpFormat
{
    /// <summary>pg_dump -Fc: one compressed, seekable file; restores in parallel.</summary>
    Custom,

    /// <summary>pg_dump -Fd: a folder with one file per table; dumps and restores in parallel.</summary>
    Directory,

    /// <summary>pg_dump -Ft: a tar file, uncompressed.</summary>
    Tar,

    /// <summary>pg_dump -Fp: a SQL script for psql; pg_restore cannot read it.</summary>
    Plain,
}
