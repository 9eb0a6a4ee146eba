using System;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Infrastructure;
using HydraMigration.Transfer;

namespace HydraMigration.Copy;

/// <summary>
/// Moves one file's bytes from one endpoint to a partial file on the other: up, down or
/// locally, hashing while streaming. With resume, the part already there is checked against
/// the source's same bytes first (both hashed where they lie) and the copy continues after it.
/// Returns the SHA-256 of what arrived, computed on the receiving side.
/// </summary>
internal sealed class FileMover
{
    // A local copy moves 1 MiB blocks.
    private const int LocalBufferSize = 1 << 20;
    private const long SmallFileBytes = 8L << 20;

    // One connection, the one the endpoint already has; the rest as measured best for big files.
    private static readonly TransferOptions SmallFileOptions = new() { Connections = 1 };
    private readonly CopyEndpoint _source;
    private readonly CopyEndpoint _target;
    private readonly IOperationReporter _reporter;

    public FileMover(CopyEndpoint source, CopyEndpoint target, IOperationReporter reporter)
    {
        _source = source;
        _target = target;
        _reporter = reporter;
    }

    public async Task<string> MoveAsync(string sourcePath, long size, string partialPath, bool resume, TransferProgress progress, CancellationToken cancellationToken)
    {
        if (_source.Session is { } from)
        {
            var offset = resume && File.Exists(partialPath) ? new FileInfo(partialPath).Length : 0;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            offset = await CheckedOffsetAsync(offset, partialPath, sourcePath, from, hash, cancellationToken).ConfigureAwait(false);
            await Engine(from, _source, size).DownloadAsync(sourcePath, partialPath, offset, hash, progress, cancellationToken).ConfigureAwait(false);
            return SftpFileTransfer.Hex(hash.GetHashAndReset());
        }

        if (_target.Session is { } to)
        {
            var offset = resume && _target.Files.FileExists(partialPath) ? SftpFileTransfer.SafeResumeOffset(_target.Files.FileLength(partialPath)) : 0;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            offset = await CheckedOffsetAsync(offset, sourcePath, partialPath, to, hash, cancellationToken).ConfigureAwait(false);
            var verification = await Engine(to, _target, size).UploadAndVerifyAsync(sourcePath, partialPath, offset, hash, progress, cancellationToken).ConfigureAwait(false);
            _reporter.Verbose("Verified on the SSH host with " + verification.Method + ".");
            if (!verification.Matches)
            {
                throw Mismatch(sourcePath, verification.LocalSha256, verification.RemoteSha256);
            }

            return verification.RemoteSha256;
        }

        return await CopyLocallyAsync(sourcePath, partialPath, resume, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The transfer engine for one file. A small file (a directory dump's toc.dat and most of its
    /// table files) runs over the endpoint's own SFTP connection: two new SSH connections per
    /// file would cost a folder of hundreds of files more logins than bytes. Only the connections
    /// differ; errors, progress, verification and -Resume are the engine's for every size.
    /// </summary>
    private static SftpFileTransfer Engine(HydraSshSession session, CopyEndpoint endpoint, long size) =>
        size < SmallFileBytes && endpoint.Sftp is { } own
            ? new SftpFileTransfer(SshSessionConnection.Of(session), SmallFileOptions, session.ToString(), own)
            : new SftpFileTransfer(SshSessionConnection.Of(session), TransferOptions.Default, session.ToString());

    internal static HydraException Mismatch(string path, string sent, string arrived) =>
        new(HydraErrors.CopyVerificationFailed, string.Format(CultureInfo.InvariantCulture,
            "The copy of '{0}' is damaged: the bytes sent hash to {1}, the bytes that arrived to {2}. The copy was removed.", path, sent, arrived), path);

    /// <summary>
    /// Keeps <paramref name="offset"/> only when the local file's first bytes and the remote file's
    /// first bytes hash alike; feeds those bytes into <paramref name="hash"/>. Otherwise starts over.
    /// </summary>
    private async Task<long> CheckedOffsetAsync(long offset, string localPath, string remotePath, HydraSshSession remote, IncrementalHash hash, CancellationToken cancellationToken)
    {
        if (offset <= 0)
        {
            return 0;
        }

        var localPrefix = HashLocalPrefix(localPath, offset, hash, cancellationToken);
        var remotePrefix = await RemoteHasher.ComputeAsync(SshSessionConnection.Of(remote), remotePath, offset, cancellationToken).ConfigureAwait(false);
        if (string.Equals(localPrefix, remotePrefix, StringComparison.Ordinal))
        {
            _reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "Resuming after {0}: the part already copied matches the source.", Units.Bytes(offset)));
            return offset;
        }

        _reporter.Warning(string.Format(CultureInfo.InvariantCulture, "The partial copy's first {0} do not match the source; copying from the start.", Units.Bytes(offset)));
        hash.GetHashAndReset();
        return 0;
    }

    /// <summary>Hashes the first <paramref name="length"/> bytes into <paramref name="running"/> and returns their own hash.</summary>
    private static string HashLocalPrefix(string path, long length, IncrementalHash running, CancellationToken cancellationToken)
    {
        using var prefix = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var buffer = new byte[Dump.ArchiveHasher.ReadBlockBytes];
        var left = length;
        int read;
        while (left > 0 && (read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left))) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            prefix.AppendData(buffer, 0, read);
            running.AppendData(buffer, 0, read);
            left -= read;
        }

        return SftpFileTransfer.Hex(prefix.GetHashAndReset());
    }

    /// <summary>A copy on this computer: streamed and hashed, then read back from the new file to check it.</summary>
    private async Task<string> CopyLocallyAsync(string sourcePath, string partialPath, bool resume, TransferProgress progress, CancellationToken cancellationToken)
    {
        var total = new FileInfo(sourcePath).Length;
        long offset = 0;
        using var sent = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (resume && File.Exists(partialPath))
        {
            offset = Math.Min(new FileInfo(partialPath).Length, total);
            using var ignored = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            if (HashLocalPrefix(partialPath, offset, ignored, cancellationToken) != HashLocalPrefix(sourcePath, offset, sent, cancellationToken))
            {
                _reporter.Warning("The partial copy does not match the source; copying from the start.");
                sent.GetHashAndReset();
                offset = 0;
            }
        }

        progress.Start(offset, total);
        // Unbuffered (1): the copy moves whole blocks, a FileStream buffer would only copy them once more.
        using (var input = new FileStream(sourcePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan | FileOptions.Asynchronous))
        using (var output = new FileStream(partialPath, offset == 0 ? FileMode.Create : FileMode.Open, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
        {
            output.SetLength(offset);
            output.Position = offset;
            input.Position = offset;
            var buffer = new byte[LocalBufferSize];
            int read;
            while ((read = await input.ReadAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false)) > 0)
            {
                sent.AppendData(buffer, 0, read);
                await output.WriteAsync(buffer, 0, read, cancellationToken).ConfigureAwait(false);
                progress.Add(read);
            }
        }

        var sentHash = SftpFileTransfer.Hex(sent.GetHashAndReset());
        var arrived = Dump.ArchiveHasher.HashFile(partialPath, cancellationToken);
        if (sentHash != arrived)
        {
            throw Mismatch(sourcePath, sentHash, arrived);
        }

        return arrived;
    }
}
