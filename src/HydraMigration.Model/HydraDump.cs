using System;
using System.Linq;

namespace HydraMigration;

/// <summary>
/// A dump archive and what is known about it: where it is, its format, size and hash, and the
/// manifest describing its contents. It deliberately has no Connection property, so piping it
/// into a restore never binds the source server as the target.
/// </summary>
public sealed class HydraDump
{
    internal HydraDump(string path, string? manifestPath, DumpManifest? manifest, HydraDumpFormat format, long size, TimeSpan duration, HydraSshSession? sshSession = null)
    {
        SshSession = sshSession;
        Path = path;
        ManifestPath = manifestPath;
        Manifest = manifest;
        Format = format;
        Size = size;
        Duration = duration;
    }

    /// <summary>Full path of the archive file (or folder, for directory format), on this computer or on <see cref="SshSession"/>'s host.</summary>
    public string Path { get; }

    /// <summary>The SSH session whose host holds the archive; null when it is on this computer.</summary>
    public HydraSshSession? SshSession { get; }

    /// <summary>"local", or the SSH host ("user@host") the archive is on.</summary>
    public string Location => SshSession is null ? "local" : SshSession.ToString();

    /// <summary>The file or folder name.</summary>
    public string Name
    {
        get
        {
            var trimmed = Path.TrimEnd('/', System.IO.Path.DirectorySeparatorChar, System.IO.Path.AltDirectorySeparatorChar);
            return trimmed.Substring(trimmed.LastIndexOfAny(new[] { '/', System.IO.Path.DirectorySeparatorChar, System.IO.Path.AltDirectorySeparatorChar }) + 1);
        }
    }

    /// <summary>Custom, Directory, Tar or Plain.</summary>
    public HydraDumpFormat Format { get; }

    /// <summary>Total bytes of the archive.</summary>
    public long Size { get; }

    /// <summary>SHA-256 of the archive (for a folder, over its files' hashes), from the manifest.</summary>
    public string? Sha256 => Manifest?.Archive.Sha256;

    /// <summary>The manifest file beside the archive, when there is one.</summary>
    public string? ManifestPath { get; }

    /// <summary>What the dump contains: tables, row counts, columnar options, settings, roles.</summary>
    public DumpManifest? Manifest { get; }

    /// <summary>"host:port/database" of the source (never a login or password).</summary>
    public string? SourceServer => Manifest is null ? null : Manifest.Source.Host + ":" + Manifest.Source.Port + "/" + Manifest.Source.Database;

    /// <summary>The source server's PostgreSQL version.</summary>
    public string? ServerVersion => Manifest?.Source.ServerVersion;

    /// <summary>The pg_dump version that wrote the archive.</summary>
    public string? PgDumpVersion => Manifest?.Archive.PgDumpVersion;

    /// <summary>When the dump started (local time).</summary>
    public DateTime? Created => Manifest?.CreatedUtc.ToLocalTime();

    /// <summary>How long the dump took (zero for a dump found on disk).</summary>
    public TimeSpan Duration { get; }

    /// <summary>Number of tables in the dump.</summary>
    public int? TableCount => Manifest?.Tables.Count;

    /// <summary>Number of those that use the columnar access method.</summary>
    public int? ColumnarTableCount => Manifest?.Tables.Count(t => string.Equals(t.AccessMethod, "columnar", StringComparison.Ordinal));

    /// <summary>The archive path ("user@host:path" when it is on an SSH host).</summary>
    public override string ToString() => SshSession is null ? Path : SshSession + ":" + Path;
}
