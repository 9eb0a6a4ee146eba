using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;
using Renci.SshNet.Sftp;

namespace HydraMigration.Transfer;

/// <summary>
/// The SFTP connections of one transfer and the file handles opened on them; disposes them all,
/// or, when the transfer ended cleanly (<see cref="EndedCleanly"/>), closes the handles and hands
/// the connections back to their host for the next transfer.
/// </summary>
internal sealed class SftpConnections : IDisposable
{
    // The receive buffer given to a connection's session stays with it while the host keeps it for the next transfer.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SftpClient, byte[]> ReceiveBufferOf = new();
    private readonly List<SftpClient> _clients = new();
    private readonly List<SftpFileStream> _streams = new();
    private readonly List<PipelinedSftp?> _pipelines = new();
    private readonly List<SftpClient> _clientOfStream = new();
    private readonly Dictionary<SftpClient, SessionWatch?> _watches = new();

    private ISshHost? _host;
    private bool _dropped;
    private bool _clean;

    // A borrowed connection belongs to someone else (a copy's own SFTP connection): used, never closed here.
    private bool _borrowed;

    private SftpConnections()
    {
    }

    public IReadOnlyList<SftpClient> Clients => _clients;

    public IReadOnlyList<SftpFileStream> Streams => _streams;

    /// <summary>For each of <see cref="Streams"/>, its pipelined requests (null when SSH.NET does not offer them).</summary>
    public IReadOnlyList<PipelinedSftp?> Pipelines => _pipelines;

    /// <summary>
    /// The streams to write through: with pipelined requests one per connection (a single
    /// sender keeps any number of requests in flight, and several senders on one connection
    /// only contended for its send lock: measured, 0.5 s less client CPU per GiB with one);
    /// without them every stream, each carrying one request at a time.
    /// </summary>
    public IReadOnlyList<int> WritingStreams() =>
        _pipelines.All(p => p is not null)
            ? _clients.Select(client => _clientOfStream.IndexOf(client)).Where(i => i >= 0).ToList()
            : Enumerable.Range(0, _streams.Count).ToList();

    /// <summary>True once any of the connections has dropped.</summary>
    public bool AnyDisconnected => _dropped || _clients.Any(client => !client.IsConnected);

    /// <summary>True once a connection dropped, errored or stopped answering: nothing more should wait on it.</summary>
    public bool AnyFailed => AnyDisconnected || _watches.Values.Any(watch => watch?.HasFailed == true);

    /// <summary>
    /// Runs the transfer over <paramref name="client"/>, an open connection its owner keeps and
    /// closes: a small file is not worth two new logins, and goes through the same engine.
    /// </summary>
    public static SftpConnections Borrow(SftpClient client, int bufferSize, TimeSpan operationTimeout)
    {
        var set = new SftpConnections { _borrowed = true };
        set.Add(client, bufferSize, operationTimeout, own: false);
        return set;
    }

    /// <summary>Opens <paramref name="count"/> connections in parallel (each is a key exchange and an authentication).</summary>
    public static async Task<SftpConnections> OpenAsync(ISshHost host, int count, int bufferSize, TimeSpan operationTimeout, CancellationToken cancellationToken)
    {
        var set = new SftpConnections { _host = host };
        var opening = Enumerable.Range(0, count).Select(_ => Task.Run(() => host.OpenSftp(cancellationToken), cancellationToken)).ToList();
        try
        {
            await Task.WhenAll(opening).ConfigureAwait(false);
        }
        catch
        {
            foreach (var task in opening.Where(t => t.Status == TaskStatus.RanToCompletion))
            {
                Close(task.Result); // a kept one rented may hold a receive buffer
            }

            throw;
        }

        foreach (var task in opening)
        {
            set.Add(task.Result, bufferSize, operationTimeout, own: true);
        }

        return set;
    }

    /// <summary>Opens <paramref name="perClient"/> handles on <paramref name="path"/> on every connection.</summary>
    public async Task OpenStreamsAsync(string path, FileAccess access, int perClient, TimeSpan noAnswerTimeout, CancellationToken cancellationToken)
    {
        var opening = _clients.SelectMany(client => Enumerable.Range(0, perClient).Select(_ => (Client: client, Stream: client.OpenAsync(path, FileMode.Open, access, cancellationToken)))).ToList();
        try
        {
            await Task.WhenAll(opening.Select(o => o.Stream)).ConfigureAwait(false);
        }
        finally
        {
            // One send lock per connection: its handles' multi-packet requests must not interleave.
            var sendLocks = _clients.ToDictionary(client => client, _ => new object());
            foreach (var (client, stream) in opening.Where(o => o.Stream.Status == TaskStatus.RanToCompletion))
            {
                if (!_watches.TryGetValue(client, out var watch))
                {
                    watch = _watches[client] = PipelinedSftp.Watch(client, noAnswerTimeout);
                }

                _streams.Add(stream.Result);
                _clientOfStream.Add(client);
                _pipelines.Add(PipelinedSftp.TryCreate(client, stream.Result.Handle, sendLocks[client], watch));
            }
        }
    }

    /// <summary>Closes the handles (SSH_FXP_CLOSE: the server closes its file, so written data is in the file) and keeps the connections.</summary>
    public async Task CloseStreamsAsync()
    {
        if (AnyFailed)
        {
            // Closing a handle waits for the server's answer; from a dead connection none comes.
            DropConnections();
            return;
        }

        foreach (var stream in _streams)
        {
            await Task.Run(stream.Dispose).ConfigureAwait(false);
        }

        _streams.Clear();
        ReleasePipelines();
        _clientOfStream.Clear();
    }

    /// <summary>The transfer is done and every request answered: on dispose the connections go back to their host, once their handles closed.</summary>
    public void EndedCleanly() => _clean = true;

    public void Dispose()
    {
        try
        {
            if (AnyFailed)
            {
                DropConnections();
            }

            foreach (var stream in _streams)
            {
                try
                {
                    stream.Dispose();
                }
                catch (Exception ex) when (ex is Renci.SshNet.Common.SshException or ObjectDisposedException or IOException or InvalidOperationException)
                {
                    // The connection is gone; the server closes the handle with it.
                    _clean = false;
                }
            }

            ReleasePipelines();
            foreach (var watch in _watches.Values)
            {
                watch?.Dispose();
            }
        }
        catch
        {
            _clean = false; // whatever failed, nothing is handed back: every connection is closed
            throw;
        }
        finally
        {
            // Kept or closed, whatever else failed: never left open with no one to close it.
            CloseClients();
        }
    }

    private void Add(SftpClient client, int bufferSize, TimeSpan operationTimeout, bool own)
    {
        // A connection opened for this transfer reassembles answers in a kept buffer rather than
        // growing a fresh one (a borrowed one grew its own once and keeps it).
        if (own && !ReceiveBufferOf.TryGetValue(client, out _) && SftpInternals.Current is { } sftp && sftp.SessionOf(client) is { } session)
        {
            var buffer = SpareBuffers.Receive.Rent();
            if (sftp.GiveReceiveBuffer(session, buffer))
            {
                ReceiveBufferOf.Add(client, buffer);
            }
            else
            {
                SpareBuffers.Receive.Return(buffer);
            }
        }

        // Large buffers so SSH.NET sizes each SFTP request to the channel's packet limit.
        client.BufferSize = (uint)bufferSize;

        // SSH.NET waits forever by default; a server that stopped answering must not hang an open or a close.
        client.OperationTimeout = operationTimeout;
        _clients.Add(client);
    }

    /// <summary>
    /// Closes a transfer's connection and gives its receive buffer back to the spares, wherever
    /// it is closed: at the transfer's end, or later by the session that kept it.
    /// </summary>
    internal static void Close(SftpClient client)
    {
        client.Dispose();

        // Disposed, a client has stopped its receive loop: nothing writes its buffer any more. One
        // whose dispose threw may still be writing it, so its buffer is not reused: it goes with the client.
        if (ReceiveBufferOf.TryGetValue(client, out var buffer))
        {
            ReceiveBufferOf.Remove(client);
            SpareBuffers.Receive.Return(buffer);
        }
    }

    private void CloseClients()
    {
        if (_borrowed)
        {
            return; // its owner closes it
        }

        var keep = _clean && !AnyFailed && _host is not null;
        foreach (var client in _clients)
        {
            try
            {
                if (keep && client.IsConnected)
                {
                    _host!.KeepSftp(client);
                    continue;
                }

                Close(client);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // One that would not close, or not be kept, must not leave the rest open.
                try
                {
                    client.Dispose();
                }
                catch (Exception inner) when (inner is not OutOfMemoryException)
                {
                    // Dead already: nothing more to close.
                }
            }
        }

        // Handed back or closed once: a second Dispose must not hand a client to the session twice.
        _clients.Clear();
    }

    /// <summary>Forgets the pipelines, their buffers back to the spares (their handles are closed or their connections gone).</summary>
    private void ReleasePipelines()
    {
        foreach (var pipeline in _pipelines)
        {
            pipeline?.ReleaseBuffers();
        }

        _pipelines.Clear();
    }

    /// <summary>Closes the connections without closing their handles first (the server drops those with them).</summary>
    private void DropConnections()
    {
        foreach (var watch in _watches.Values)
        {
            watch?.Dispose();
        }

        CloseClients();

        _dropped = true;
        _watches.Clear();
        _clients.Clear();
        _streams.Clear();
        ReleasePipelines();
        _clientOfStream.Clear();
    }
}
