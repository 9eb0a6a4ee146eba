using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using HydraMigration.Infrastructure;

namespace HydraMigration.Dump;

/// <summary>
/// Checks a local archive against the manifest written with it: every size first (cheap, and
/// it catches a truncated copy at once), then every SHA-256 with <see cref="ArchiveHasher"/>.
/// For a directory dump each file the manifest lists must be there with its size and hash.
/// pg_restore would otherwise find the damage only when it reaches it, halfway through a
/// restore ("could not uncompress data"), after it has written into the target.
/// </summary>
internal static class ArchiveVerifier
{
    private const string Activity = "Verifying the archive against its manifest";

    /// <summary>Throws ArchiveCorrupt (InvalidData, the archive as target) naming the file and what differs.</summary>
    public static void Verify(string path, DumpManifest manifest, IOperationReporter reporter, CancellationToken cancellationToken)
    {
        var recorded = manifest.Archive;
        var isFolder = Directory.Exists(path);
        if (isFolder != (recorded.Format == HydraDumpFormat.Directory))
        {
            throw Corrupt(path, path, string.Format(CultureInfo.InvariantCulture, "the manifest describes a {0} archive, and this is {1}", recorded.Format, isFolder ? "a folder" : "a file"));
        }

        var files = isFolder
            ? recorded.Files.Select(f => (Path: Path.Combine(path, f.Name.Replace('/', Path.DirectorySeparatorChar)), f.SizeBytes, f.Sha256)).ToList()
            : new List<(string Path, long SizeBytes, string Sha256)> { (path, recorded.SizeBytes, recorded.Sha256) };

        foreach (var file in files)
        {
            if (!File.Exists(file.Path))
            {
                throw Corrupt(path, file.Path, string.Format(CultureInfo.InvariantCulture, "the file is missing (the manifest lists it with {0} bytes)", file.SizeBytes));
            }

            var length = new FileInfo(file.Path).Length;
            if (length != file.SizeBytes)
            {
                throw Corrupt(path, file.Path, string.Format(CultureInfo.InvariantCulture, "it holds {0} bytes, the manifest records {1}{2}", length, file.SizeBytes, length < file.SizeBytes ? " (truncated)" : string.Empty));
            }
        }

        var total = Math.Max(1, files.Sum(f => f.SizeBytes));
        long done = 0;
        var lastPercent = -1;
        foreach (var file in files)
        {
            var hash = ArchiveHasher.HashFile(file.Path, cancellationToken, bytes =>
            {
                done += bytes;
                var percent = (int)(done * 100 / total);
                if (percent != lastPercent)
                {
                    lastPercent = percent;
                    reporter.Progress(new OperationProgress(Activity, Math.Min(percent, 100), string.Format(CultureInfo.InvariantCulture, "{0} of {1}", Units.Bytes(done), Units.Bytes(total))));
                }
            });
            if (!string.Equals(hash, file.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw Corrupt(path, file.Path, string.Format(CultureInfo.InvariantCulture, "its SHA-256 is {0}, the manifest records {1} (same size: bytes inside were changed)", hash, file.Sha256));
            }
        }

        reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "'{0}' matches its manifest: {1} file(s), {2}, SHA-256 checked.", path, files.Count, Units.Bytes(total)));
    }

    private static HydraException Corrupt(string archive, string file, string what) => new(HydraErrors.ArchiveCorrupt,
        string.Format(CultureInfo.InvariantCulture, "The archive '{0}' does not match its manifest: {1}{2}. It was damaged after the dump (a disk, an interrupted copy): copy it again with Copy-HydraDump, or dump again. Nothing was restored or created.", archive, file == archive ? string.Empty : "'" + file + "': ", what),
        archive);
}
