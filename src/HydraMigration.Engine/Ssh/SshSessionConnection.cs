using System;
using System.Globalization;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Ssh;
using HydraMigration.Transfer;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace HydraMigration;

/// <summary>
/// The connection behind a <see cref="HydraSshSession"/>: the SSH client, its port forwards and
/// who holds it. A kept session (New-HydraSshSession) is connected from the start until
/// disposed; a per-call session (inline -Ssh* parameters) connects for its first user and
/// disconnects when its last user lets go.
/// </summary>
internal sealed class SshSessionConnection : ISshSessionLink, ISshHost
{
    private readonly SshSessionRequest _request;

    // Per-call sessions connect and disconnect as calls come and go; one at a time.
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private SshClient? _client;
    private PortForwards? _forwards;
    private SshHostKey? _hostKey;
    private int _uses;
    private volatile bool _closed;

    // Set by the client's ErrorOccurred when its reader saw the link end (reset on each connect).
    private volatile bool _linkLost;

    private SshSessionConnection(SshSessionRequest request, bool opensPerCall)
    {
        _request = request;
        OpensPerCall = opensPerCall;
        IdleSftp = new IdleSftpConnections(() => IsConnected && !_linkLost);
    }

    /// <summary>A session opened by New-HydraSshSession: connected now, until disposed.</summary>
    internal static HydraSshSession Kept(int id, SshClient client, SshSessionRequest request, SshHostKey hostKey)
    {
        var connection = new SshSessionConnection(request, opensPerCall: false);
        connection.Attach(client, hostKey);
        return connection.Session = new HydraSshSession(id, request.HostName, request.Port, request.UserName, request.Display, false, connection);
    }

    /// <summary>A session from inline parameters: not connected until a call uses it (<see cref="UseAsync"/>).</summary>
    internal static HydraSshSession PerCall(SshSessionRequest request)
    {
        var connection = new SshSessionConnection(request, opensPerCall: true);
        return connection.Session = new HydraSshSession(0, request.HostName, request.Port, request.UserName, request.Display, true, connection);
    }

    /// <summary>The connection behind <paramref name="session"/>.</summary>
    internal static SshSessionConnection Of(HydraSshSession session) => (SshSessionConnection)session.Link;

    /// <summary>The session this connection is behind (the target of its errors).</summary>
    internal HydraSshSession Session { get; private set; } = null!;

    /// <summary>The verified host key's fingerprint, "SHA256:…" as ssh prints it.</summary>
    public string HostKeyFingerprint => _hostKey?.Fingerprint ?? "";

    /// <summary>The host key's type ("ssh-ed25519", "ssh-rsa", …).</summary>
    public string HostKeyType => _hostKey?.KeyType ?? "";

    /// <summary>The server's identification string ("SSH-2.0-OpenSSH_9.2p1 …").</summary>
    public string ServerVersion { get; private set; } = "";

    /// <summary>True while the connection is open.</summary>
    public bool IsConnected => !_closed && _client is { IsConnected: true };

    /// <summary>True when the connection a call holds has dropped (not when it was closed on purpose, or a per-call session is simply idle).</summary>
    internal bool Dropped => _client is { IsConnected: false };

    /// <summary>True for a session from a cmdlet's inline -Ssh* parameters.</summary>
    internal bool OpensPerCall { get; }

    /// <summary>The connection; callers hold a <see cref="UseAsync"/> (per-call sessions are only connected then).</summary>
    internal SshClient Client => _client ?? throw NotConnected();

    /// <summary>The SFTP connections earlier copies on this session ended with cleanly, for the next one.</summary>
    internal IdleSftpConnections IdleSftp { get; }

    /// <summary>"user@host" or "user@host:port".</summary>
    public override string ToString() => _request.Display;

    private int Id => Session.Id;

    /// <summary>Closes the connection and every port forward on it; a per-call session cannot be used again.</summary>
    public void Dispose()
    {
        _closed = true;
        _connecting.Wait();
        try
        {
            Disconnect();
        }
        finally
        {
            _connecting.Release();
        }
    }

    /// <summary>
    /// Holds the connection for one piece of a call; dispose when done. A kept session must
    /// still be connected. A per-call session connects for its first user (verifying the host
    /// key: against known_hosts the first time, then against the key seen then) and disconnects
    /// when its last user lets go.
    /// </summary>
    internal async Task<IDisposable> UseAsync(CancellationToken cancellationToken)
    {
        if (!OpensPerCall)
        {
            EnsureConnected();
            return NoHold.Instance;
        }

        await _connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_closed)
            {
                throw NotConnected();
            }

            if (_uses > 0 && _client is not { IsConnected: true })
            {
                // Its other users hold the dropped connection; they fail and let go, then the
                // next call connects afresh.
                throw new HydraException(HydraErrors.SshSessionClosed, string.Format(CultureInfo.InvariantCulture,
                    "The SSH connection to {0} dropped during this call. Run the command again: it logs in anew.", this), Session);
            }

            if (_uses == 0)
            {
                Func<SshHostKey, HydraException?> trust = _hostKey is null ? new HostKeyPolicy(_request).Check : SamePinnedKey;
                var (client, hostKey) = await SshSessions.ConnectAsync(_request, trust, cancellationToken).ConfigureAwait(false);
                Attach(client, hostKey);
            }

            _uses++;
            return new Hold(this);
        }
        finally
        {
            _connecting.Release();
        }
    }

    /// <summary>
    /// A second connection to the same host (SFTP runs on its own, so a long transfer never
    /// blocks the commands and forwards of this one). It must present the key verified here.
    /// </summary>
    private Task<SftpClient> OpenSftpAsync(CancellationToken cancellationToken) =>
        SshConnector.ConnectAsync(_request, info => new SftpClient(info), SamePinnedKey, cancellationToken);

    /// <summary>
    /// An SFTP connection for a copy or a remote dump: one an earlier one kept (<see cref="IdleSftp"/>,
    /// checked alive), or a new one. Hand it back with <see cref="KeepSftp"/> when it ended cleanly
    /// (<see cref="SftpLease"/> does); close it with <see cref="Transfer.SftpConnections.Close"/> otherwise.
    /// </summary>
    internal async Task<SftpClient> RentSftpAsync(CancellationToken cancellationToken) =>
        await IdleSftp.TakeAsync(cancellationToken).ConfigureAwait(false) ?? await OpenSftpAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc cref="ISshHost.KeepSftp" />
    public void KeepSftp(SftpClient client) => IdleSftp.Keep(client);

    /// <inheritdoc />
    SftpClient ISshHost.OpenSftp(CancellationToken cancellationToken) => RentSftpAsync(cancellationToken).GetAwaiter().GetResult();

    /// <inheritdoc />
    Task<RemoteCommandResult> ISshHost.RunAsync(string command, CancellationToken cancellationToken) =>
        RemoteShell.RunAsync(Client, command, null, null, cancellationToken);

    /// <inheritdoc />
    SshCommand ISshHost.CreateCommand(string command) => Client.CreateCommand(command);

    /// <summary>A local TCP port that reaches <paramref name="host"/>:<paramref name="port"/> as this SSH host sees it; dispose to release.</summary>
    internal PortForwardLease Forward(string host, int port, CancellationToken cancellationToken = default)
    {
        // Callers are on pool threads with no synchronization context, so waiting here is safe.
        var hold = UseAsync(cancellationToken).GetAwaiter().GetResult();
        try
        {
            // Read once: Dispose may clear it meanwhile.
            var forwards = _forwards ?? throw NotConnected();
            var lease = forwards.Acquire(host, port);
            return OpensPerCall ? lease.With(() => ReleaseBoth(lease, hold)) : lease;
        }
        catch
        {
            hold.Dispose();
            throw;
        }
    }

    internal void EnsureConnected()
    {
        // SSH.NET answers IsConnected from the socket's state, without traffic; before declaring a
        // kept session gone, make it answer for certain (AnswersKeepAlive), without waiting.
        if (!IsConnected && (_closed || !AnswersKeepAlive()))
        {
            throw NotConnected();
        }
    }

    /// <summary>Lets go of the forward, and of the connection even when closing the forward fails.</summary>
    private static void ReleaseBoth(PortForwardLease lease, IDisposable hold)
    {
        try
        {
            lease.Dispose();
        }
        finally
        {
            hold.Dispose();
        }
    }

    private void Attach(SshClient client, SshHostKey hostKey)
    {
        _client = client;
        _hostKey = hostKey;
        _linkLost = false;
        client.ErrorOccurred += (_, e) =>
        {
            if (e.Exception is SshConnectionException or SocketException)
            {
                _linkLost = true;

                // The session is gone: so are the logins it kept (closed off SSH.NET's reader thread).
                _ = Task.Run(IdleSftp.CloseAll);
            }
        };
        _forwards = new PortForwards(client);
        ServerVersion = client.ConnectionInfo.ServerVersion ?? "";
    }

    private void Release()
    {
        _connecting.Wait();
        try
        {
            if (--_uses == 0)
            {
                Disconnect();
            }
        }
        finally
        {
            _connecting.Release();
        }
    }

    private void Disconnect()
    {
        if (_forwards is { } forwards)
        {
            forwards.DisposeWithClient();
        }
        else
        {
            _client?.Dispose();
        }

        _forwards = null;
        _client = null;

        // After _client is cleared: a connection handed back from now on is closed, not kept.
        IdleSftp.CloseAll();
    }

    private HydraException NotConnected() => new(HydraErrors.SshSessionClosed, OpensPerCall
        ? string.Format(CultureInfo.InvariantCulture, "The SSH session {0} was closed. Give the -Ssh* parameters again, or open one with New-HydraSshSession.", this)
        : string.Format(CultureInfo.InvariantCulture, "The SSH session {0} (Id {1}) is no longer connected. Open a new one with New-HydraSshSession.", this, Id), Session);

    /// <summary>
    /// Sends the server a keep-alive (an SSH ignore message): on a link that is gone the write
    /// fails and SSH.NET marks the session disconnected, and a link its reader saw end has
    /// already raised ErrorOccurred (recorded in <see cref="_linkLost"/>). Either way the answer
    /// is known now, with no sleep and no second guess.
    /// </summary>
    private bool AnswersKeepAlive()
    {
        if (_client is not { } client || _linkLost)
        {
            return false;
        }

        try
        {
            // Obsolete only as a nudge towards KeepAliveInterval (periodic); one probe on demand is what this needs.
#pragma warning disable CS0618
            client.SendKeepAlive();
#pragma warning restore CS0618
        }
        catch (Exception ex) when (ex is SshException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            return false;
        }

        return !_linkLost && client.IsConnected;
    }

    private HydraException? SamePinnedKey(SshHostKey offered) =>
        offered.Fingerprint == _hostKey?.Fingerprint
            ? null
            : new HydraException(HydraErrors.SshHostKeyChanged, string.Format(CultureInfo.InvariantCulture,
                "WARNING: the host key of '{0}' changed since this session first connected: it was {1}, now the server offers {2}. The connection was refused.", _request.Display, _hostKey?.Fingerprint, offered.Fingerprint), Session);

    /// <summary>A per-call session's hold on its connection.</summary>
    private sealed class Hold : IDisposable
    {
        private SshSessionConnection? _session;

        public Hold(SshSessionConnection session) => _session = session;

        public void Dispose() => Interlocked.Exchange(ref _session, null)?.Release();
    }

    /// <summary>A kept session needs no hold: it stays connected until Remove-HydraSshSession.</summary>
    private sealed class NoHold : IDisposable
    {
        public static readonly NoHold Instance = new();

        public void Dispose()
        {
        }
    }
}
