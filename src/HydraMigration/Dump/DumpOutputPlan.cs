using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;

namespace HydraMigration.Dump;

/// <summary>
/// Where a dump goes: the final archive path, the temporary name pg_dump writes to, and the
/// manifest beside it. Nothing appears under the final name until the dump is complete and
/// hashed; a failed or cancelled dump leaves only what <see cref="Discard"/> removes.
/// </summary>
internal sealed class DumpOutputPlan
{
    private DumpOutputPlan(string finalPath, HydraDumpFormat format)
    {
        FinalPath = finalPath;
        Format = format;
        var suffix = ".partial-" + Guid.NewGuid().ToString("N").Substring(0, 8);
        TempPath = finalPath + suffix;
        ManifestPath = ManifestFile.PathFor(finalPath);
        TempManifestPath = ManifestPath + suffix;
    }

    public string FinalPath { get; }

    public HydraDumpFormat Format { get; }

    public string TempPath { get; }

    public string ManifestPath { get; }

    public string TempManifestPath { get; }

    /// <summary>
    /// An existing folder (or a path ending in a separator) receives a generated name
    /// (database_yyyyMMdd_HHmmss plus the format's extension); anything else is the name itself.
    /// For the directory format a folder holding toc.dat is an existing dump, not a container.
    /// </summary>
    public static DumpOutputPlan Create(string path, HydraDumpFormat format, string database, bool force, DateTime now)
    {
        var endsWithSeparator = path.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal)
            || path.EndsWith(Path.AltDirectorySeparatorChar.ToString(), StringComparison.Ordinal);
        var isContainer = endsWithSeparator
            || (Directory.Exists(path) && !(format == HydraDumpFormat.Directory && File.Exists(Path.Combine(path, "toc.dat"))));

        string finalPath;
        if (isContainer)
        {
            if (!Directory.Exists(path))
            {
                throw FolderMissing(path);
            }

            finalPath = Path.Combine(path, GeneratedName(database, format, now));
            for (var n = 2; File.Exists(finalPath) || Directory.Exists(finalPath); n++)
            {
                // Two dumps of one database in the same second: a generated name never overwrites.
                var extension = Path.GetExtension(finalPath);
                finalPath = Path.Combine(path, Path.GetFileNameWithoutExtension(GeneratedName(database, format, now)) + "_" + n.ToString(CultureInfo.InvariantCulture) + extension);
            }
        }
        else
        {
            finalPath = Path.GetFullPath(path);
            var parent = Path.GetDirectoryName(finalPath);
            if (parent is not null && !Directory.Exists(parent))
            {
                throw FolderMissing(parent);
            }
        }

        if ((File.Exists(finalPath) || Directory.Exists(finalPath)) && !force)
        {
            throw AlreadyExists(finalPath);
        }

        return new DumpOutputPlan(finalPath, format);
    }

    /// <summary>
    /// Puts the finished archive and manifest under their final names. Old ones (-Force) are
    /// moved aside first and deleted only once the new pair is in place; if a step fails, the old
    /// pair is put back. Without -Force, an archive that appeared meanwhile is not overwritten.
    /// </summary>
    public void Commit(bool force)
    {
        var aside = ".old-" + Guid.NewGuid().ToString("N").Substring(0, 8);
        var oldArchive = FinalPath + aside;
        var oldManifest = ManifestPath + aside;
        var archiveAside = false;
        var manifestAside = false;
        try
        {
            if (File.Exists(FinalPath) || Directory.Exists(FinalPath))
            {
                if (!force)
                {
                    throw AlreadyExists(FinalPath);
                }

                Move(FinalPath, oldArchive);
                archiveAside = true;
            }

            if (File.Exists(ManifestPath))
            {
                Move(ManifestPath, oldManifest);
                manifestAside = true;
            }

            Move(TempPath, FinalPath);
            try
            {
                Move(TempManifestPath, ManifestPath);
            }
            catch
            {
                Move(FinalPath, TempPath);
                throw;
            }
        }
        catch
        {
            if (archiveAside && !File.Exists(FinalPath) && !Directory.Exists(FinalPath))
            {
                Move(oldArchive, FinalPath);
            }

            if (manifestAside && !File.Exists(ManifestPath))
            {
                Move(oldManifest, ManifestPath);
            }

            throw;
        }

        DeleteQuietly(oldArchive);
        DeleteQuietly(oldManifest);
    }

    /// <summary>Removes the temporary archive and manifest; the final names are never touched.</summary>
    public void Discard()
    {
        DeleteQuietly(TempPath);
        DeleteQuietly(TempManifestPath);
    }

    private static string GeneratedName(string database, HydraDumpFormat format, DateTime now)
    {
        var invalid = Path.GetInvalidFileNameChars();
        var safe = new string(database.Select(c => invalid.Contains(c) || char.IsWhiteSpace(c) ? '_' : c).ToArray());
        var extension = format switch
        {
            HydraDumpFormat.Custom => ".dump",
            HydraDumpFormat.Tar => ".tar",
            HydraDumpFormat.Plain => ".sql",
            _ => string.Empty,
        };
        return safe + "_" + now.ToString("yyyyMMdd_HHmmss", CultureInfo.InvariantCulture) + extension;
    }

    private static void DeleteQuietly(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
            else if (File.Exists(path))
            {
                File.Delete(path);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the user to see; the final name was never written.
        }
    }

    private static void Move(string from, string to)
    {
        if (Directory.Exists(from))
        {
            Directory.Move(from, to);
        }
        else
        {
            File.Move(from, to);
        }
    }

    private static HydraException AlreadyExists(string path) =>
        new("DumpAlreadyExists", ErrorCategory.ResourceExists, string.Format(CultureInfo.InvariantCulture, "'{0}' already exists. Use -Force to replace it, or choose another -Path.", path), path);

    private static HydraException FolderMissing(string folder) =>
        new("DumpFolderNotFound", ErrorCategory.ObjectNotFound, string.Format(CultureInfo.InvariantCulture, "The folder '{0}' does not exist. Create it first, or choose another -Path.", folder), folder);
}
