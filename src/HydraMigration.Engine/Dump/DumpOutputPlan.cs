using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using HydraMigration.Storage;

namespace HydraMigration.Dump;

/// <summary>
/// Where a dump goes: the final archive path, the temporary name pg_dump writes to, and the
/// manifest beside it. Nothing appears under the final name until the dump is complete and
/// hashed; a failed or cancelled dump leaves only what <see cref="Discard"/> removes.
/// A generated name is reserved when the plan is made, before pg_dump starts (see
/// <see cref="ReservedSuffix"/>); disposing the plan gives the reservation back.
/// </summary>
internal sealed class DumpOutputPlan : IDisposable
{
    /// <summary>
    /// Beside a generated name while its dump runs: a file created exclusively, so two dumps of
    /// one database into one folder in the same second cannot both pick the name and find out
    /// only at the end, after both did the whole dump. Whoever creates it owns the name.
    /// </summary>
    public const string ReservedSuffix = ".hydra-reserved";

    private readonly IFileStore _files;
    private string? _reservation;

    private DumpOutputPlan(IFileStore files, string finalPath, HydraDumpFormat format, string? tempPath = null, string? reservation = null)
    {
        _files = files;
        _reservation = reservation;
        FinalPath = finalPath;
        Format = format;
        var suffix = ".partial-" + Guid.NewGuid().ToString("N").Substring(0, 8);
        TempPath = tempPath ?? finalPath + suffix;
        ManifestPath = ManifestFile.PathFor(finalPath);
        TempManifestPath = ManifestPath + suffix;
    }

    /// <summary>
    /// A copy's plan: the partial name is fixed (<paramref name="partialPath"/>), so an interrupted
    /// copy can be found and resumed. An existing destination is refused unless <paramref name="force"/>.
    /// </summary>
    public static DumpOutputPlan ForCopy(IFileStore files, string finalPath, string partialPath, HydraDumpFormat format, bool force)
    {
        if (Exists(files, finalPath) && !force)
        {
            throw new HydraException(HydraErrors.CopyDestinationExists, string.Format(CultureInfo.InvariantCulture,
                "'{0}' already exists{1}. Use -Force to replace it, or choose another -Destination.", finalPath, On(files)), finalPath);
        }

        return new DumpOutputPlan(files, finalPath, format, partialPath);
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
    public static DumpOutputPlan Create(string path, HydraDumpFormat format, string database, bool force, DateTime now, IFileStore? store = null)
    {
        var files = store ?? LocalFileStore.Instance;
        var endsWithSeparator = path.EndsWith(files.Separator.ToString(), StringComparison.Ordinal)
            || path.EndsWith(Path.AltDirectorySeparatorChar.ToString(), StringComparison.Ordinal);
        var isContainer = endsWithSeparator
            || (files.DirectoryExists(path) && !(format == HydraDumpFormat.Directory && files.FileExists(files.Combine(path, "toc.dat"))));

        string finalPath;
        if (isContainer)
        {
            if (!files.DirectoryExists(path))
            {
                throw FolderMissing(path, files);
            }

            var folder = files.FullPath(path);
            var generated = GeneratedName(database, format, now);
            finalPath = files.Combine(folder, generated);
            for (var n = 2; Exists(files, finalPath) || !files.TryCreateNew(finalPath + ReservedSuffix, Reservation(now)); n++)
            {
                // Taken by an archive, or reserved by a dump running now (two dumps of one
                // database in the same second): a generated name never overwrites nor collides.
                finalPath = files.Combine(folder, Path.GetFileNameWithoutExtension(generated) + "_" + n.ToString(CultureInfo.InvariantCulture) + Path.GetExtension(generated));
            }

            return new DumpOutputPlan(files, finalPath, format, reservation: finalPath + ReservedSuffix);
        }
        else
        {
            finalPath = files.FullPath(path);
            var parent = files.Parent(finalPath);
            if (parent is not null && !files.DirectoryExists(parent))
            {
                throw FolderMissing(parent, files);
            }
        }

        if (Exists(files, finalPath) && !force)
        {
            throw AlreadyExists(finalPath, files);
        }

        return new DumpOutputPlan(files, finalPath, format);
    }

    /// <summary>pg_dump said it succeeded, but its temporary archive is not there: reported under the name the user asked for.</summary>
    public HydraException ArchiveMissing(Exception inner) =>
        new(HydraErrors.ArchiveNotFound, string.Format(CultureInfo.InvariantCulture,
            "pg_dump ended without an error but left no archive for '{0}'{1}: it was removed while the dump ran, or pg_dump did not write where it was told. Nothing was kept; run the dump again, and check that nothing else cleans up that folder meanwhile.",
            FinalPath, On(_files)), FinalPath, inner);

    private static bool Exists(IFileStore files, string path) => files.FileExists(path) || files.DirectoryExists(path);

    /// <summary>
    /// Puts the finished archive and manifest under their final names. Old ones (-Force) are
    /// moved aside first and deleted only once the new pair is in place; if a step fails, the old
    /// pair is put back. Without -Force, an archive that appeared meanwhile is not overwritten.
    /// </summary>
    public void Commit(bool force, bool withManifest = true)
    {
        var aside = ".old-" + Guid.NewGuid().ToString("N").Substring(0, 8);
        var oldArchive = FinalPath + aside;
        var oldManifest = ManifestPath + aside;
        var archiveAside = false;
        var manifestAside = false;
        try
        {
            if (Exists(_files, FinalPath))
            {
                if (!force)
                {
                    throw AlreadyExists(FinalPath, _files);
                }

                Move(FinalPath, oldArchive);
                archiveAside = true;
            }

            if (_files.FileExists(ManifestPath))
            {
                Move(ManifestPath, oldManifest);
                manifestAside = true;
            }

            Move(TempPath, FinalPath);
            try
            {
                if (withManifest)
                {
                    Move(TempManifestPath, ManifestPath);
                }
            }
            catch
            {
                Move(FinalPath, TempPath);
                throw;
            }
        }
        catch
        {
            if (archiveAside && !Exists(_files, FinalPath))
            {
                Move(oldArchive, FinalPath);
            }

            if (manifestAside && !_files.FileExists(ManifestPath))
            {
                Move(oldManifest, ManifestPath);
            }

            throw;
        }

        DeleteQuietly(oldArchive);
        DeleteQuietly(oldManifest);
        Dispose();
    }

    /// <summary>Removes the temporary archive and manifest, and gives back a reserved name; the final names are never touched.</summary>
    public void Discard()
    {
        DeleteQuietly(TempPath);
        DeleteQuietly(TempManifestPath);
        Dispose();
    }

    /// <summary>Gives back the reserved name, if any (the archive under it, if committed, stays).</summary>
    public void Dispose()
    {
        if (System.Threading.Interlocked.Exchange(ref _reservation, null) is { } reservation)
        {
            DeleteQuietly(reservation);
        }
    }

    private static string Reservation(DateTime now)
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return string.Format(CultureInfo.InvariantCulture,
            "Reserved by HydraMigration New-HydraDump (process {0} on {1}) at {2:yyyy-MM-dd HH:mm:ss}: a dump is being written under this name. Removed when it ends.\n",
            process.Id, Environment.MachineName, now);
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

    private void DeleteQuietly(string path)
    {
        try
        {
            _files.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Renci.SshNet.Common.SshException)
        {
            // Left for the user to see; the final name was never written.
        }
    }

    private void Move(string from, string to) => _files.Move(from, to);

    private static HydraException AlreadyExists(string path, IFileStore files) =>
        new(HydraErrors.DumpAlreadyExists, string.Format(CultureInfo.InvariantCulture, "'{0}' already exists{1}. Use -Force to replace it, or choose another -Path.", path, On(files)), path);

    private static HydraException FolderMissing(string folder, IFileStore files) =>
        new(HydraErrors.DumpFolderNotFound, string.Format(CultureInfo.InvariantCulture, "The folder '{0}' does not exist{1}. Create it first, or choose another -Path.", folder, On(files)), folder);

    private static string On(IFileStore files) => files is LocalFileStore ? "" : " on " + files.Location;
}
