using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Archive;
using HydraMigration.Dump;
using HydraMigration.Infrastructure;
using HydraMigration.Storage;
using HydraMigration.Transfer;

namespace HydraMigration.Copy;

/// <summary>
/// Copies a dump — a file, or a directory-format folder with all its files — and its manifest,
/// between this computer and an SSH host (or locally). Bytes go to "name.hydra-partial" and are
/// verified against the manifest's SHA-256 before the copy is renamed into place, so a
/// destination name only ever holds a complete, checked archive; the partial name is fixed, so
/// an interrupted copy can be resumed.
/// </summary>
internal sealed class CopyService
{
    public const string PartialSuffix = ".hydra-partial";
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(500);

    // Every 2 s of a transfer, glibc's free heap goes back to the system (NativeHeap).
    private const int TrimEveryTicks = 4;
    private readonly IOperationReporter _reporter;

    public CopyService(IOperationReporter reporter) => _reporter = reporter;

    public async Task<HydraDump> RunAsync(CopyRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await CopyAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // What the copy's crypto freed natively goes back to the system, not kept in the session's process.
            NativeHeap.ReturnFreePages();
        }
    }

    private async Task<HydraDump> CopyAsync(CopyRequest request, CancellationToken cancellationToken)
    {
        if (request.From is not null && request.To is not null)
        {
            throw new HydraException(HydraErrors.CopyBetweenSessions,
                "Copy-HydraDump copies between this computer and one SSH host: give -FromSession or -ToSession, not both. Copy to this computer first, then on.", request.SourcePath);
        }

        var clock = Stopwatch.StartNew();
        using var source = await CopyEndpoint.OpenAsync(request.From, cancellationToken).ConfigureAwait(false);
        using var target = await CopyEndpoint.OpenAsync(request.To, cancellationToken).ConfigureAwait(false);
        var sourcePath = source.Files.FullPath(request.SourcePath);
        var isFolder = source.Files.DirectoryExists(sourcePath);
        if (!isFolder && !source.Files.FileExists(sourcePath))
        {
            throw new HydraException(HydraErrors.CopySourceNotFound, string.Format(CultureInfo.InvariantCulture, "The dump '{0}' does not exist on {1}.", sourcePath, source.Files.Location), sourcePath);
        }

        var manifest = request.Manifest ?? ManifestFile.ReadBeside(sourcePath, source.Files);
        if (manifest is null)
        {
            _reporter.Warning("'" + sourcePath + "' has no manifest beside it: the copy is verified by hashing both sides, but nothing says the source itself is intact.");
        }

        var format = manifest?.Archive.Format ?? (isFolder ? HydraDumpFormat.Directory : ArchiveReader.DetectFormat(sourcePath, source.Files));
        var finalPath = DestinationPath(request, target.Files, source.Files.FileName(sourcePath));
        if (target.IsLocal == source.IsLocal && ReferenceEquals(source.Session, target.Session) && string.Equals(finalPath, sourcePath, StringComparison.Ordinal))
        {
            throw new HydraException(HydraErrors.CopySameFile, "'" + sourcePath + "' is both the source and the destination.", sourcePath);
        }

        var plan = DumpOutputPlan.ForCopy(target.Files, finalPath, finalPath + PartialSuffix, format, request.Force);
        var files = FilesToCopy(source.Files, sourcePath, isFolder, manifest);
        var total = files.Sum(f => f.Size);
        _reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "Copying {0} ({1}, {2} file(s)) from {3} to {4} on {5}.", sourcePath, Units.Bytes(total), files.Count, source.Files.Location, finalPath, target.Files.Location));

        if (!request.Resume)
        {
            plan.Discard(); // a partial copy of an earlier run is not trusted without -Resume
        }

        if (isFolder && !target.Files.DirectoryExists(plan.TempPath))
        {
            target.Files.CreateDirectory(plan.TempPath);
        }

        string archiveHash;
        try
        {
            var mover = new FileMover(source, target, _reporter);
            var arrived = new List<ManifestArchiveFile>();
            long done = 0;
            foreach (var file in files)
            {
                var from = isFolder ? source.Files.Combine(sourcePath, file.Name) : sourcePath;
                var to = isFolder ? target.Files.Combine(plan.TempPath, file.Name) : plan.TempPath;
                var progress = new TransferProgress();
                var hash = await WithProgress(progress, done, total, request, () => mover.MoveAsync(from, file.Size, to, request.Resume, progress, cancellationToken), cancellationToken).ConfigureAwait(false);
                // Without a manifest, a download is checked against the source's hash taken where it lies.
                var expected = file.Sha256 is { Length: > 0 } recorded
                    ? recorded
                    : source.Session is { } remote ? await RemoteHasher.ComputeAsync(SshSessionConnection.Of(remote), from, null, cancellationToken).ConfigureAwait(false) : null;
                if (expected is not null && !string.Equals(expected, hash, StringComparison.OrdinalIgnoreCase))
                {
                    throw new HydraException(HydraErrors.CopyVerificationFailed, string.Format(CultureInfo.InvariantCulture,
                        "The copy of '{0}' is not the archive: SHA-256 {1} arrived, {2} was expected ({3}). The copy was removed; the source itself may be damaged.",
                        from, hash, expected, file.Sha256 is null ? "the source's own hash" : "recorded in the manifest when the dump was made"), from);
                }

                arrived.Add(new ManifestArchiveFile { Name = file.Name, SizeBytes = file.Size, Sha256 = hash });
                done += file.Size;
            }

            archiveHash = isFolder ? ArchiveHasher.FolderHash(arrived) : arrived[0].Sha256;
            if (manifest is not null && !string.Equals(manifest.Archive.Sha256, archiveHash, StringComparison.OrdinalIgnoreCase))
            {
                throw new HydraException(HydraErrors.CopyVerificationFailed, string.Format(CultureInfo.InvariantCulture,
                    "The copy of '{0}' does not match its manifest (SHA-256 {1}, recorded {2}). The copy was removed.", sourcePath, archiveHash, manifest.Archive.Sha256), sourcePath);
            }

            if (manifest is not null)
            {
                ManifestFile.Write(plan.TempManifestPath, manifest, target.Files);
            }

            cancellationToken.ThrowIfCancellationRequested();
            plan.Commit(request.Force, withManifest: manifest is not null);
            source.Succeeded();
            target.Succeeded();
        }
        catch (HydraException ex) when (ex.Is(HydraErrors.CopyVerificationFailed))
        {
            plan.Discard(); // a damaged copy is not worth resuming
            throw;
        }
        catch
        {
            // Keep the data partial for -Resume; the manifest is written again next time.
            DeleteQuietly(target.Files, plan.TempManifestPath);
            throw;
        }

        _reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "Copied and verified {0} in {1:0.0} s (SHA-256 {2}).", Units.Bytes(total), clock.Elapsed.TotalSeconds, archiveHash));
        return new HydraDump(plan.FinalPath, manifest is null ? null : plan.ManifestPath, manifest, format, total, clock.Elapsed, target.Session);
    }

    /// <summary>Runs one file's transfer while reporting overall bytes, percentage and throughput every half second.</summary>
    private async Task<string> WithProgress(TransferProgress progress, long before, long total, CopyRequest request, Func<Task<string>> move, CancellationToken cancellationToken)
    {
        var activity = request.To is not null ? "Uploading " : request.From is not null ? "Downloading " : "Copying ";
        var task = move();
        var clock = Stopwatch.StartNew();
        var startedAt = -1L;
        var ticks = 0;
        while (!task.IsCompleted)
        {
            // Not the caller's token: once cancelled it would end every delay at once and spin.
            await Task.WhenAny(task, Task.Delay(ProgressInterval, CancellationToken.None)).ConfigureAwait(false);
            if (cancellationToken.IsCancellationRequested)
            {
                break;
            }

            if (++ticks % TrimEveryTicks == 0)
            {
                NativeHeap.ReturnFreePages(); // during a long copy too, not only after it
            }

            var current = Math.Max(0, progress.BytesTransferred);
            if (startedAt < 0)
            {
                startedAt = current; // a resumed file's first bytes were not sent now
            }

            var moved = before + current;
            var rate = (current - startedAt) / Math.Max(clock.Elapsed.TotalSeconds, 0.001);
            var percent = total > 0 ? (int)Math.Min(99, moved * 100 / total) : 0;
            var left = rate > 0 ? TimeSpan.FromSeconds((total - moved) / rate) : (TimeSpan?)null;
            _reporter.Progress(new OperationProgress(
                activity + request.SourcePath,
                percent,
                string.Format(CultureInfo.InvariantCulture, "{0} of {1} at {2}/s", Units.Bytes(moved), Units.Bytes(total), Units.Bytes((long)rate)),
                left));
        }

        return await task.ConfigureAwait(false);
    }

    private static string DestinationPath(CopyRequest request, IFileStore files, string name)
    {
        var destination = request.Destination;
        var isFolder = destination.EndsWith("/", StringComparison.Ordinal) || destination.EndsWith(files.Separator.ToString(), StringComparison.Ordinal)
            || (files.DirectoryExists(destination) && !files.FileExists(files.Combine(destination, "toc.dat")));
        if (isFolder)
        {
            if (!files.DirectoryExists(destination))
            {
                throw FolderMissing(destination, files);
            }

            return files.Combine(files.FullPath(destination), name);
        }

        var full = files.FullPath(destination);
        if (files.Parent(full) is { } parent && !files.DirectoryExists(parent))
        {
            throw FolderMissing(parent, files);
        }

        return full;
    }

    private static List<ArchivePart> FilesToCopy(IFileStore files, string path, bool isFolder, DumpManifest? manifest)
    {
        if (!isFolder)
        {
            return new List<ArchivePart> { new(string.Empty, files.FileLength(path), manifest?.Archive.Sha256) };
        }

        var recorded = manifest?.Archive.Files.ToDictionary(f => f.Name, f => f.Sha256, StringComparer.Ordinal);
        var present = files.ListFilesRecursive(path);
        if (recorded is not null)
        {
            var missing = recorded.Keys.Except(present.Select(f => f.RelativePath), StringComparer.Ordinal).ToList();
            if (missing.Count > 0)
            {
                throw new HydraException(HydraErrors.ArchiveTruncated, string.Format(CultureInfo.InvariantCulture,
                    "The dump folder '{0}' lacks {1} file(s) its manifest lists ({2}): it is incomplete, so it was not copied.", path, missing.Count, string.Join(", ", missing.Take(5))), path);
            }
        }

        return present.Select(f => new ArchivePart(f.RelativePath, f.Size, recorded is not null && recorded.TryGetValue(f.RelativePath, out var hash) ? hash : null)).ToList();
    }

    private static void DeleteQuietly(IFileStore files, string path)
    {
        try
        {
            files.Delete(path);
        }
        catch (Exception ex) when (ex is System.IO.IOException or UnauthorizedAccessException or Renci.SshNet.Common.SshException)
        {
            // The connection may be what failed; a stray temporary manifest is harmless.
        }
    }

    private static HydraException FolderMissing(string folder, IFileStore files) =>
        new(HydraErrors.CopyFolderNotFound, string.Format(CultureInfo.InvariantCulture, "The folder '{0}' does not exist on {1}. Create it first, or choose another -Destination.", folder, files.Location), folder);

    /// <summary>One file of the archive: its path inside a folder archive ("" for a single file), size and recorded hash.</summary>
    private sealed class ArchivePart
    {
        public ArchivePart(string name, long size, string? sha256)
        {
            Name = name;
            Size = size;
            Sha256 = sha256;
        }

        public string Name { get; }

        public long Size { get; }

        public string? Sha256 { get; }
    }
}
