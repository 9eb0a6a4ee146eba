using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Renci.SshNet.Common;
using Renci.SshNet.Sftp;

namespace HydraMigration.Transfer;

/// <summary>
/// Copies one file over SFTP in either direction, hashing the bytes it moves as it moves them;
/// built to approach OpenSSH scp's throughput (benchmarks/…/CopyBenchmark.cs measures it).
/// </summary>
/// <remarks>
/// <para>One SSH.NET connection is bound to one core (its receive loop decrypts, its sender
/// encrypts), and plain SftpClient reaches 0.35-0.6× of scp. So the file is cut into chunks
/// that two connections move at once (<see cref="TransferOptions"/>: 256 KB chunks, each sent
/// as all its SFTP requests at once through <see cref="PipelinedSftp"/>; downloads run a fetch
/// loop per handle, 4 per connection; uploads write through one handle per connection, on a
/// dedicated thread because SSH.NET's send blocks while the channel window is full), with a
/// window of 48 chunks.</para>
/// <para>Client CPU is what decides the speed on a small machine, and three things cut it
/// (1 GiB over loopback, 2 cores, CopyBenchmark): requests sent with plain callbacks instead of
/// SSH.NET's Task calls, whose per-request thread-pool waits and timers cost more than the
/// copy (<see cref="SftpInternals"/>; 4.5-6 → 3.1 s of client CPU per GiB, scp's own is 2.9);
/// hardware AES-GCM instead of AES-CTR with HMAC-SHA2, so neither side runs a MAC pass
/// (<see cref="SshAlgorithms"/>); and one writer per connection instead of four contending for
/// its send lock. Downloads then run at 0.94-0.99× of scp. Uploads run at 0.75-0.82×: the
/// transfer alone matched scp (1.00×, measured with the remote hash switched off), and the rest
/// is the SHA-256 that verifies the upload on the remote host, which over loopback competes for
/// the same two cores.</para>
/// <para>Memory. Chunk buffers are no longer one per chunk in the window: an upload's buffer is
/// free once its requests are sent, a download's once it is written, so 16 buffers serve both
/// (<see cref="TransferOptions.BuffersInMemory"/>), taken from a bounded pool rather than the
/// shared ArrayPool; the buffers that live as long as a connection are kept between transfers
/// too (<see cref="SpareBuffers"/>), so a transfer leaves no Large Object Heap garbage behind.
/// No collection is forced in the user's process: a background gen2 every
/// 256 MB (the former LargeObjectReclaimer) lowered the copy worker's peak RSS by about 19 MB
/// (179 against 198 MB, 512 MiB up and down × 5, CopyBenchmark's no-forced-gc variant) but kept
/// it under no target: the hosted PowerShell with the module loaded is 122-125 MB before any copy.
/// What did is handing glibc's free heap back during and after each copy (<see cref="NativeHeap"/>,
/// called by CopyService; docs/TRANSFER.md has the figures).</para>
/// <para>Order and holes. A download writes the local file strictly in order from a reorder
/// buffer bounded by the window, so a partial local file is always a contiguous prefix. An
/// upload's chunks land on the server out of order; the engine only starts a chunk within
/// the window past the contiguous acknowledged prefix, and on cancellation or failure
/// truncates the remote file to that prefix (over a fresh connection when the old ones are
/// gone). If even that fails (the host is unreachable), the partial file may hold holes in its
/// last <see cref="TransferOptions.MaxBytesAhead"/> bytes only: resume from
/// <see cref="SafeResumeOffset"/>, never from the raw size.</para>
/// </remarks>
internal sealed class SftpFileTransfer
{
    private readonly ISshHost _host;
    private readonly TransferOptions _options;
    private readonly Renci.SshNet.SftpClient? _borrowed;
    private readonly string _where;

    public SftpFileTransfer(ISshHost host)
        : this(host, TransferOptions.Default)
    {
    }

    /// <param name="host">The SSH host to transfer to or from.</param>
    /// <param name="options">How to spread the transfer.</param>
    /// <param name="location">"user@host", for messages ("the SSH host" when not given).</param>
    /// <param name="connection">
    /// An open SFTP connection to run over instead of opening <see cref="TransferOptions.Connections"/>
    /// new ones; its owner keeps and closes it. For small files, whose transfer costs less than two
    /// logins: the same engine then moves them, with the same errors, progress and resumption.
    /// </param>
    public SftpFileTransfer(ISshHost host, TransferOptions options, string? location = null, Renci.SshNet.SftpClient? connection = null)
    {
        _host = host ?? throw new ArgumentNullException(nameof(host));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _options.Validate();
        _borrowed = connection;
        _where = location is { Length: > 0 } ? location : "the SSH host";
    }

    /// <summary>
    /// Where a resumed upload may start when the partial remote file has <paramref name="partialLength"/>
    /// bytes and the engine could not truncate it after a failure: every byte before this offset was acknowledged.
    /// </summary>
    public static long SafeResumeOffset(long partialLength, TransferOptions? options = null) =>
        Math.Max(0, partialLength - (options ?? TransferOptions.Default).MaxBytesAhead);

    /// <summary>
    /// Copies local [<paramref name="offset"/>..end) to <paramref name="remotePath"/> (which holds at
    /// least <paramref name="offset"/> verified bytes when offset &gt; 0, and is cut to exactly that
    /// first; created otherwise). <paramref name="hash"/> holds bytes [0..offset) and receives the rest
    /// in order. Returns once every byte is acknowledged and the remote handles are closed.
    /// </summary>
    public Task UploadAsync(string localPath, string remotePath, long offset, IncrementalHash hash, TransferProgress progress, CancellationToken cancellationToken) =>
        UploadCoreAsync(localPath, remotePath, offset, hash, progress, null, cancellationToken);

    /// <summary>
    /// <see cref="UploadAsync"/>, and the SHA-256 of the whole remote file computed on the remote
    /// host while the upload runs (it reads each range once the range is acknowledged), so the
    /// verification costs little more than the transfer. The result holds both hashes; the caller
    /// compares them with the manifest's.
    /// </summary>
    public async Task<UploadVerification> UploadAndVerifyAsync(string localPath, string remotePath, long offset, IncrementalHash hash, TransferProgress progress, CancellationToken cancellationToken)
    {
        using var hasher = await RemoteHasher.StartFollowingAsync(_host, remotePath, cancellationToken).ConfigureAwait(false);
        await UploadCoreAsync(localPath, remotePath, offset, hash, progress, hasher, cancellationToken).ConfigureAwait(false);
        var local = Hex(hash.GetHashAndReset());
        var remote = await hasher.FinishAsync(cancellationToken).ConfigureAwait(false);
        return new UploadVerification(local, remote, hasher.Method);
    }

    /// <summary>
    /// Copies remote [<paramref name="offset"/>..end) of <paramref name="remotePath"/> to
    /// <paramref name="localPath"/>, which is cut to <paramref name="offset"/> bytes first (created when
    /// offset is 0). <paramref name="hash"/> holds bytes [0..offset) and receives the rest in order.
    /// The local file grows strictly in order, so a stopped download leaves a contiguous prefix.
    /// </summary>
    public async Task DownloadAsync(string remotePath, string localPath, long offset, IncrementalHash hash, TransferProgress progress, CancellationToken cancellationToken)
    {
        CheckArguments(hash, progress, offset);
        var o = _options;
        using var connections = await Connect(remotePath, cancellationToken).ConfigureAwait(false);
        using var local = OpenLocalForWriting(localPath, offset);
        if (local.Length < offset)
        {
            throw new HydraException(HydraErrors.TransferResumeMismatch, $"The partial file '{localPath}' holds {local.Length} bytes, fewer than the {offset} to resume from.", localPath);
        }

        local.SetLength(offset);
        local.Position = offset;
        long total;
        try
        {
            total = (await connections.Clients[0].GetAttributesAsync(remotePath, cancellationToken).ConfigureAwait(false)).Size;
            if (total < offset)
            {
                throw new HydraException(HydraErrors.TransferResumeMismatch, $"The remote file '{remotePath}' holds {total} bytes, fewer than the {offset} already copied: it is not the file the partial copy came from.", remotePath);
            }

            await connections.OpenStreamsAsync(remotePath, FileAccess.Read, o.StreamsPerConnection, o.NoAnswerTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not HydraException && ex is not OperationCanceledException)
        {
            throw Translate(ex, connections, "download", remotePath, offset);
        }

        progress.Start(offset, total);
        var chunkCount = (total - offset + o.ChunkSize - 1) / o.ChunkSize;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // A chunk holds its buffer from its request until it is written in order, so the pool
        // bounds how far the requests run ahead of the file: the download's window.
        using var buffers = new ChunkBufferPool(o.ChunkSize, o.BuffersInMemory);
        var received = Channel.CreateUnbounded<Chunk>(new UnboundedChannelOptions { SingleReader = true });
        long nextChunk = -1;
        long written = offset;

        async Task Fetch(SftpFileStream stream, PipelinedSftp? pipeline)
        {
            var handle = stream.Handle;
            while (true)
            {
                var buffer = await buffers.RentAsync(stop.Token).ConfigureAwait(false);
                var index = Interlocked.Increment(ref nextChunk);
                if (index >= chunkCount)
                {
                    buffers.Return(buffer);
                    return;
                }

                var position = offset + (index * o.ChunkSize);
                var length = (int)Math.Min(o.ChunkSize, total - position);
                var filled = 0;
                if (pipeline is not null)
                {
                    filled = await pipeline.ReadAsync(handle, position, buffer, length, stop.Token).ConfigureAwait(false);
                }
                else
                {
                    stream.Position = position;
                    int read;
                    while (filled < length && (read = await stream.ReadAsync(buffer, filled, length - filled, stop.Token).ConfigureAwait(false)) > 0)
                    {
                        filled += read;
                    }
                }

                if (filled < length)
                {
                    throw new HydraException(HydraErrors.TransferFailed, $"The remote file '{remotePath}' ended at {position + filled} bytes while being copied: it changed during the copy.", remotePath);
                }

                await received.Writer.WriteAsync(new Chunk(index, position, buffer, length), stop.Token).ConfigureAwait(false);
            }
        }

        async Task Store()
        {
            var pending = new Dictionary<long, Chunk>();
            for (long next = 0; next < chunkCount;)
            {
                var chunk = await received.Reader.ReadAsync(stop.Token).ConfigureAwait(false);
                pending.Add(chunk.Index, chunk);
                while (pending.TryGetValue(next, out var ready))
                {
                    pending.Remove(next);
                    try
                    {
                        await local.WriteAsync(ready.Buffer, 0, ready.Length, stop.Token).ConfigureAwait(false);
                    }
                    catch (IOException ex)
                    {
                        throw LocalWriteFailed(localPath, Interlocked.Read(ref written), ex);
                    }

                    hash.AppendData(ready.Buffer, 0, ready.Length);
                    buffers.Return(ready.Buffer);
                    Interlocked.Add(ref written, ready.Length);
                    progress.Add(ready.Length);
                    next++;
                }
            }
        }

        var tasks = connections.Streams.Select((s, i) => Task.Run(() => Fetch(s, connections.Pipelines[i]), stop.Token)).Append(Task.Run(Store, stop.Token)).ToList();
        try
        {
            await WhenAllOrFirstFailure(tasks, stop).ConfigureAwait(false);
            await local.FlushAsync(cancellationToken).ConfigureAwait(false);
            connections.EndedCleanly();
        }
        catch (Exception ex) when (ex is not HydraException && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            throw Translate(ex, connections, "download", remotePath, Interlocked.Read(ref written));
        }
        finally
        {
            // The local file holds exactly the bytes written in order: a contiguous prefix
            // (unbuffered: a write the disk refused left nothing pending here).
            try
            {
                local.Flush();
            }
            catch (IOException)
            {
                // Already reported by the write that failed.
            }
        }
    }

    private async Task UploadCoreAsync(string localPath, string remotePath, long offset, IncrementalHash hash, TransferProgress progress, FollowingHasher? follower, CancellationToken cancellationToken)
    {
        CheckArguments(hash, progress, offset);
        var o = _options;
        using var local = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var total = local.Length;
        if (total < offset)
        {
            throw new HydraException(HydraErrors.TransferResumeMismatch, $"'{localPath}' holds {total} bytes, fewer than the {offset} already copied: it is not the file the partial copy came from.", localPath);
        }

        using var connections = await Connect(remotePath, cancellationToken).ConfigureAwait(false);
        try
        {
            await PrepareRemoteFileAsync(connections, remotePath, offset, cancellationToken).ConfigureAwait(false);
            await connections.OpenStreamsAsync(remotePath, FileAccess.Write, o.StreamsPerConnection, o.NoAnswerTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not HydraException && ex is not OperationCanceledException)
        {
            throw Translate(ex, connections, "upload", remotePath, offset);
        }

        progress.Start(offset, total);
        follower?.Advance(offset);
        local.Position = offset;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var window = new SemaphoreSlim(o.Window);

        // SSH.NET has copied a chunk into its packets by the time the requests' send returns
        // (SftpSession.SendMessage is synchronous), so a buffer is free again long before the
        // acknowledgement: the window counts unacknowledged chunks, the pool only chunks in memory.
        using var buffers = new ChunkBufferPool(o.ChunkSize, o.BuffersInMemory);
        using var queue = new BlockingCollection<Chunk>(o.Window);
        var acknowledged = new AcknowledgedPrefix(offset, o.ChunkSize, total);

        async Task Produce()
        {
            var position = offset;
            for (long index = 0; position < total; index++)
            {
                await window.WaitAsync(stop.Token).ConfigureAwait(false);
                var length = (int)Math.Min(o.ChunkSize, total - position);
                var buffer = await buffers.RentAsync(stop.Token).ConfigureAwait(false);
                var filled = 0;
                while (filled < length)
                {
                    var read = await local.ReadAsync(buffer, filled, length - filled, stop.Token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        throw new HydraException(HydraErrors.TransferFailed, $"'{localPath}' ended at {position + filled} bytes while being copied: it changed during the copy.", localPath);
                    }

                    filled += read;
                }

                hash.AppendData(buffer, 0, length);
                queue.Add(new Chunk(index, position, buffer, length), stop.Token);
                position += length;
            }

            queue.CompleteAdding();
        }

        void Complete(Chunk chunk)
        {
            progress.Add(chunk.Length);
            var advanced = acknowledged.Complete(chunk.Index, out var prefix);
            if (advanced > 0)
            {
                window.Release(advanced);
                follower?.Advance(prefix);
            }
        }

        // One dedicated thread per writing handle, never a thread-pool thread: SSH.NET sends a request
        // synchronously and blocks while the channel's window is full, which on the pool starved
        // it (2 cores: 2 threads, then slow injection) and made uploads erratic and slow. A
        // sender issues a chunk's requests and moves on; the acknowledgements complete the chunk.
        void Send(SftpFileStream stream, PipelinedSftp? pipeline)
        {
            var handle = stream.Handle;
            var inFlight = new List<Task>();
            try
            {
                foreach (var chunk in queue.GetConsumingEnumerable(stop.Token))
                {
                    if (pipeline is not null)
                    {
                        var written = pipeline.WriteAsync(handle, chunk.Offset, chunk.Buffer, chunk.Length, stop.Token);
                        buffers.Return(chunk.Buffer);
                        inFlight.Add(written.ContinueWith(
                            t =>
                            {
                                if (t.Status != TaskStatus.RanToCompletion)
                                {
                                    // Stop the others.
                                    stop.Cancel();
                                    t.GetAwaiter().GetResult();
                                }

                                Complete(chunk);
                            },
                            CancellationToken.None,
                            TaskContinuationOptions.ExecuteSynchronously,
                            TaskScheduler.Default));
                        inFlight.RemoveAll(t => t.Status == TaskStatus.RanToCompletion);
                    }
                    else
                    {
                        stream.Position = chunk.Offset;
                        stream.Write(chunk.Buffer, 0, chunk.Length);
                        stream.Flush();
                        buffers.Return(chunk.Buffer);
                        Complete(chunk);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Stopped: a failed request is the reason to report, if there is one (its
                // continuation cancels the stop just before it faults, so give it a moment).
                _ = Task.WhenAny(Task.WhenAll(inFlight), Task.Delay(2000, CancellationToken.None)).GetAwaiter().GetResult();
                ThrowFirstRealFailure(inFlight);
                throw;
            }

            // Every chunk this handle sent is answered (or its first failure is thrown).
            try
            {
                Task.WhenAll(inFlight).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                ThrowFirstRealFailure(inFlight);
                throw;
            }
        }

        // The stop that one failed write triggers cancels the others: their cancellations must not
        // hide the failure that caused them.
        static void ThrowFirstRealFailure(IEnumerable<Task> writes)
        {
            var real = writes.Where(t => t.IsFaulted).SelectMany(t => t.Exception!.InnerExceptions).FirstOrDefault(e => e is not OperationCanceledException);
            if (real is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(real).Throw();
            }
        }

        var tasks = connections.WritingStreams()
            .Select(i => Task.Factory.StartNew(() => Send(connections.Streams[i], connections.Pipelines[i]), stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default))
            .Prepend(Task.Run(Produce, stop.Token))
            .ToList();
        try
        {
            await WhenAllOrFirstFailure(tasks, stop).ConfigureAwait(false);
            await connections.CloseStreamsAsync().ConfigureAwait(false);
            connections.EndedCleanly();
        }
        catch (Exception ex)
        {
            // Leave a file a resume can trust: exactly the contiguous acknowledged prefix.
            await TruncateBestEffortAsync(connections, remotePath, acknowledged.Bytes).ConfigureAwait(false);
            if (ex is HydraException || (ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                throw;
            }

            throw Translate(ex, connections, "upload", remotePath, acknowledged.Bytes);
        }
    }

    private async Task<SftpConnections> Connect(string remotePath, CancellationToken cancellationToken)
    {
        if (_borrowed is { } connection)
        {
            return SftpConnections.Borrow(connection, _options.ChunkSize, _options.NoAnswerTimeout);
        }

        try
        {
            return await SftpConnections.OpenAsync(_host, _options.Connections, _options.ChunkSize, _options.NoAnswerTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (DroppedByServer(ex) || (ex is HydraException hydra && hydra.Is(HydraErrors.SshConnectionFailed) && DroppedByServer(hydra.InnerException)))
        {
            // The server closed a connection it had accepted: the link dropped while the copy
            // opened its connections (a kill of the SSH sessions lands here as often as mid-copy).
            throw new HydraException(HydraErrors.SshConnectionLost, $"The SSH connection to {_where} was lost while the copy of '{remotePath}' opened its SFTP connections ({ex.Message.TrimEnd('.')}). Run the copy again with -Resume to continue from there.", remotePath, ex);
        }
        catch (Exception ex) when (ex is SshException or SocketException or ObjectDisposedException or IOException)
        {
            throw new HydraException(HydraErrors.SshConnectionFailed, $"Could not open an SFTP connection to {_where} for '{remotePath}': {ex.Message}", remotePath, ex);
        }
    }

    /// <summary>The download's local file, cut to <paramref name="offset"/> bytes later; a refusal names the file and this computer.</summary>
    private static FileStream OpenLocalForWriting(string localPath, long offset)
    {
        try
        {
            return new FileStream(localPath, offset == 0 ? FileMode.Create : FileMode.Open, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new HydraException(HydraErrors.TransferFailed.As(ErrorCategory.PermissionDenied), $"The download cannot write '{localPath}' on this computer: permission denied. Choose a -Destination this user may write to, or fix the folder's permissions.", localPath, ex);
        }
        catch (IOException ex)
        {
            throw LocalWriteFailed(localPath, offset, ex);
        }
    }

    private static HydraException LocalWriteFailed(string localPath, long bytesKept, Exception ex) =>
        new(HydraErrors.TransferFailed.As(ErrorCategory.WriteError), $"Writing '{localPath}' on this computer failed after {bytesKept} bytes: {ex.Message.TrimEnd('.')}. Free some space there (or choose another -Destination) and run the copy again with -Resume: the {bytesKept} bytes already copied are kept and checked.", localPath, ex);

    private static async Task PrepareRemoteFileAsync(SftpConnections connections, string remotePath, long offset, CancellationToken cancellationToken)
    {
        var client = connections.Clients[0];
        using var file = await client.OpenAsync(remotePath, offset == 0 ? FileMode.Create : FileMode.Open, FileAccess.Write, cancellationToken).ConfigureAwait(false);
        if (offset > 0)
        {
            var length = (await client.GetAttributesAsync(remotePath, cancellationToken).ConfigureAwait(false)).Size;
            if (length < offset)
            {
                throw new HydraException(HydraErrors.TransferResumeMismatch, $"The partial remote file '{remotePath}' holds {length} bytes, fewer than the {offset} to resume from.", remotePath);
            }

            // Bytes past the offset may be holes left by a failed upload: drop them.
            file.SetLength(offset);
        }
    }

    private async Task TruncateBestEffortAsync(SftpConnections connections, string remotePath, long length)
    {
        // A cancelled or failed SFTP request may still be executing on the server; closing the
        // handles first makes sure none lands after the truncation.
        try
        {
            await connections.CloseStreamsAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SshException or ObjectDisposedException or IOException or InvalidOperationException or SocketException)
        {
        }

        var live = connections.Clients.FirstOrDefault(c => c.IsConnected);
        Renci.SshNet.SftpClient? fresh = null;
        try
        {
            if (live is null)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                fresh = await Task.Run(() => _host.OpenSftp(timeout.Token), timeout.Token).ConfigureAwait(false);
                live = fresh;
            }

            using var timeoutOp = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            using var file = await live.OpenAsync(remotePath, FileMode.Open, FileAccess.Write, timeoutOp.Token).ConfigureAwait(false);
            file.SetLength(length);
        }
        catch (Exception ex) when (ex is SshException or ObjectDisposedException or IOException or InvalidOperationException or SocketException or OperationCanceledException or HydraException)
        {
            // Unreachable: the partial file may hold holes past the prefix, within the window;
            // SafeResumeOffset allows for that.
        }
        finally
        {
            fresh?.Dispose();
        }
    }

    /// <summary>Awaits all; at the first failure cancels the rest, waits for them, and throws that failure (a real error before a cancellation).</summary>
    private static async Task WhenAllOrFirstFailure(IReadOnlyList<Task> tasks, CancellationTokenSource stop)
    {
        var remaining = tasks.ToList();
        while (remaining.Count > 0)
        {
            var done = await Task.WhenAny(remaining).ConfigureAwait(false);
            remaining.Remove(done);
            if (done.IsFaulted || done.IsCanceled)
            {
                stop.Cancel();
                try
                {
                    await Task.WhenAll(remaining).ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // The first failure is the one to report; the others followed from it or from the stop.
                }

                var failures = tasks.Where(t => t.IsFaulted).SelectMany(t => t.Exception!.InnerExceptions).ToList();
                var real = failures.FirstOrDefault(e => e is not OperationCanceledException) ?? failures.FirstOrDefault();
                if (real is not null)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(real).Throw();
                }

                throw new OperationCanceledException(stop.Token);
            }
        }
    }

    /// <summary>The server closed a connection it had accepted (not: refused it, or never answered).</summary>
    private static bool DroppedByServer(Exception? ex) =>
        ex is SshConnectionException or SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted };

    private Exception Translate(Exception ex, SftpConnections connections, string direction, string remotePath, long bytesDone)
    {
        if (ex is SftpPathNotFoundException)
        {
            return new HydraException(HydraErrors.TransferFailed.As(ErrorCategory.ObjectNotFound), $"The {direction} failed: '{remotePath}' (or its folder) does not exist on {_where}.", remotePath, ex);
        }

        if (ex is SftpPermissionDeniedException)
        {
            return new HydraException(HydraErrors.TransferFailed.As(ErrorCategory.PermissionDenied), direction == "upload"
                ? $"The upload cannot write '{remotePath}' on {_where}: permission denied. Choose a -Destination the SSH user may write to, or fix the folder's permissions there."
                : $"The download cannot read '{remotePath}' on {_where}: permission denied. Check that the SSH user may read it.", remotePath, ex);
        }

        // The public API's two ways of saying what the fast path's SessionWatch and SftpOperation
        // say: a request unanswered for OperationTimeout (the NoAnswerTimeout), and a failure
        // status as a bare SshException holding the server's message. Worded alike, so both paths
        // give the same errors.
        if (ex is SshOperationTimeoutException)
        {
            ex = SessionWatch.NoAnswer(_options.NoAnswerTimeout, ex);
        }
        else if (ex.GetType() == typeof(SftpException))
        {
            ex = SftpOperation.Refused(ex.Message, ex);
        }

        var lost = ex is SshConnectionException or SocketException || connections.AnyDisconnected;
        if (lost && ex is SshException or SocketException or ObjectDisposedException or IOException or InvalidOperationException)
        {
            return new HydraException(HydraErrors.SshConnectionLost, $"The SSH connection to {_where} was lost during the {direction} of '{remotePath}' after {bytesDone} bytes ({ex.Message.TrimEnd('.')}). Run the copy again with -Resume to continue from there.", remotePath, ex);
        }

        if (ex is SshException or IOException or ObjectDisposedException or InvalidOperationException or SocketException)
        {
            return new HydraException(HydraErrors.TransferFailed.As(direction == "upload" ? ErrorCategory.WriteError : ErrorCategory.ReadError), $"The {direction} of '{remotePath}' on {_where} failed after {bytesDone} bytes: {ex.Message.TrimEnd('.')}. Run the copy again with -Resume to continue from there.", remotePath, ex);
        }

        return ex;
    }

    private static void CheckArguments(IncrementalHash hash, TransferProgress progress, long offset)
    {
        if (hash is null)
        {
            throw new ArgumentNullException(nameof(hash));
        }

        if (progress is null)
        {
            throw new ArgumentNullException(nameof(progress));
        }

        if (offset < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(offset));
        }
    }

    internal static string Hex(byte[] bytes)
    {
        var chars = new char[bytes.Length * 2];
        for (var i = 0; i < bytes.Length; i++)
        {
            chars[2 * i] = "0123456789abcdef"[bytes[i] >> 4];
            chars[(2 * i) + 1] = "0123456789abcdef"[bytes[i] & 15];
        }

        return new string(chars);
    }

    private readonly struct Chunk
    {
        public Chunk(long index, long offset, byte[] buffer, int length)
        {
            Index = index;
            Offset = offset;
            Buffer = buffer;
            Length = length;
        }

        public long Index { get; }

        public long Offset { get; }

        public byte[] Buffer { get; }

        public int Length { get; }
    }

    /// <summary>Which chunks are acknowledged, and how far the contiguous run from the start reaches.</summary>
    private sealed class AcknowledgedPrefix
    {
        private readonly object _lock = new();
        private readonly HashSet<long> _ahead = new();
        private readonly long _offset;
        private readonly long _chunkSize;
        private readonly long _total;
        private long _next;

        public AcknowledgedPrefix(long offset, long chunkSize, long total)
        {
            _offset = offset;
            _chunkSize = chunkSize;
            _total = total;
        }

        /// <summary>Bytes of the file known written, from its start, with no gap.</summary>
        public long Bytes
        {
            get
            {
                lock (_lock)
                {
                    return Math.Min(_total, _offset + (_next * _chunkSize));
                }
            }
        }

        /// <summary>Marks a chunk done; returns by how many chunks the contiguous run grew, and its new end.</summary>
        public int Complete(long index, out long prefix)
        {
            lock (_lock)
            {
                var before = _next;
                _ahead.Add(index);
                while (_ahead.Remove(_next))
                {
                    _next++;
                }

                prefix = Math.Min(_total, _offset + (_next * _chunkSize));
                return (int)(_next - before);
            }
        }
    }
}

/// <summary>The hashes an upload ended with: of the bytes sent, and of the file on the remote host.</summary>
internal sealed class UploadVerification
{
    public UploadVerification(string localSha256, string remoteSha256, string method)
    {
        LocalSha256 = localSha256;
        RemoteSha256 = remoteSha256;
        Method = method;
    }

    /// <summary>SHA-256 (lowercase hex) of the whole local file, from the bytes as they were sent.</summary>
    public string LocalSha256 { get; }

    /// <summary>SHA-256 (lowercase hex) of the whole remote file, computed on the remote host.</summary>
    public string RemoteSha256 { get; }

    /// <summary>How the remote hash was computed ("openssl", "sha256sum", "shasum", "read-back").</summary>
    public string Method { get; }

    public bool Matches => string.Equals(LocalSha256, RemoteSha256, StringComparison.Ordinal);
}
