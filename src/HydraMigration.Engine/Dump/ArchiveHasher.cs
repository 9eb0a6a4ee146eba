using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;

namespace HydraMigration.Dump;

/// <summary>SHA-256 of an archive: of the file, or for a folder, of its files' hashes listed in name order.</summary>
internal static class ArchiveHasher
{
    /// <summary>
    /// Bytes read and hashed at a time: below the Large Object Heap's 85,000 bytes, so a hash
    /// leaves gen0 garbage only (a 1 MiB block, and a 1 MiB FileStream buffer besides, were
    /// 2 MiB of LOH garbage per file that waited for a gen2). Hashing 1 GiB reads it as fast.
    /// </summary>
    internal const int ReadBlockBytes = 80 * 1024;

    public static ManifestArchive Hash(string path, HydraDumpFormat format, CancellationToken cancellationToken)
    {
        if (format != HydraDumpFormat.Directory)
        {
            return new ManifestArchive { SizeBytes = new FileInfo(path).Length, Sha256 = HashFile(path, cancellationToken) };
        }

        var files = new List<ManifestArchiveFile>();
        foreach (var file in Directory.GetFiles(path, "*", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
        {
            files.Add(new ManifestArchiveFile
            {
                Name = file.Substring(path.Length).TrimStart(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).Replace('\\', '/'),
                SizeBytes = new FileInfo(file).Length,
                Sha256 = HashFile(file, cancellationToken),
            });
        }

        return new ManifestArchive { SizeBytes = files.Sum(f => f.SizeBytes), Sha256 = FolderHash(files), Files = files };
    }

    /// <summary>The folder hash: SHA-256 over "hash  name\n" lines, like a sha256sum listing.</summary>
    public static string FolderHash(IEnumerable<ManifestArchiveFile> files)
    {
        var listing = new StringBuilder();
        foreach (var file in files.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            listing.Append(file.Sha256).Append("  ").Append(file.Name).Append('\n');
        }

        using var sha = SHA256.Create();
        return ToHex(sha.ComputeHash(Encoding.UTF8.GetBytes(listing.ToString())));
    }

    /// <param name="path">The file.</param>
    /// <param name="cancellationToken">Checked between blocks.</param>
    /// <param name="onBytes">Told the bytes of each block as it is hashed, for progress over big files.</param>
    public static string HashFile(string path, CancellationToken cancellationToken, Action<long>? onBytes = null)
    {
        using var sha = SHA256.Create();
        // Unbuffered (1): every read is a whole block already.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var buffer = new byte[ReadBlockBytes];
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            sha.TransformBlock(buffer, 0, read, null, 0);
            onBytes?.Invoke(read);
        }

        sha.TransformFinalBlock(buffer, 0, 0);
        return ToHex(sha.Hash!);
    }

    private static string ToHex(byte[] bytes)
    {
        var hex = new StringBuilder(bytes.Length * 2);
        foreach (var b in bytes)
        {
            hex.Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }

        return hex.ToString();
    }
}
