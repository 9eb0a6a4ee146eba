using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Transfer;
using Renci.SshNet;

namespace HydraMigration.Ssh;

/// <summary>
/// The SFTP connections a session's copies ended with cleanly, kept for its next copy: each
/// new one costs a key exchange and a login, and the SSH.NET objects it builds (buffers,
/// crypto, threads) are what made a long-lived session's memory climb copy after copy.
/// </summary>
/// <remarks>
/// Only a connection whose transfer ended cleanly comes back (its handles closed, no request
/// outstanding, no error, timeout or stop): the callers decide that, this checks it is still
/// connected. A kept connection is checked again before it is handed out (connected, and the
/// SFTP server answers a stat within <see cref="ProbeTimeout"/>), and one that died while idle
/// is closed and the caller opens a fresh one. Each is handed to one caller at a time. At most
/// <see cref="Capacity"/> are kept (what one copy opens), each for at most
/// <see cref="IdleTimeout"/>; all close with the session.
/// </remarks>
internal sealed class IdleSftpConnections
{
    /// <summary>
    /// At most this many per session: a copy's own SFTP connection and the transfer's
    /// <see cref="TransferOptions.Connections"/>. Settable for the copy benchmark, whose 0 keeps
    /// none, to measure against the same rounds.
    /// </summary>
    internal static int Capacity { get; set; } = TransferOptions.Default.Connections + 1;

    /// <summary>
    /// An interactive session does not hold logins on the host much longer than a copy's pause.
    /// Settable for the tests, which cannot wait three minutes, with <see cref="ExpiryCheck"/>.
    /// </summary>
    internal static TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(3);

    // SftpClient's own default buffer size.
    private const uint DefaultBufferSize = 32 * 1024;

    /// <summary>A kept connection whose server does not answer within this is not worth waiting for: a fresh one is opened.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How often the expiry looks (read when its timer starts): a connection lives at most <see cref="IdleTimeout"/> and this much more.</summary>
    internal static TimeSpan ExpiryCheck { get; set; } = TimeSpan.FromSeconds(30);

    private readonly object _gate = new();
    private readonly List<Idle> _idle = new();
    private readonly Func<bool> _sessionAlive;
    private Timer? _expiry;

    /// <param name="sessionAlive">Whether the session behind these is open: nothing is kept for a closed one.</param>
    public IdleSftpConnections(Func<bool> sessionAlive) => _sessionAlive = sessionAlive;

    /// <summary>Connections kept now (for the tests).</summary>
    internal int Count
    {
        get
        {
            lock (_gate)
            {
                return _idle.Count;
            }
        }
    }

    /// <summary>A kept connection that answers, now the caller's alone; null when none is kept (or none answered).</summary>
    public async Task<SftpClient?> TakeAsync(CancellationToken cancellationToken)
    {
        while (TakeOne() is { } client)
        {
            if (await AnswersAsync(client, cancellationToken).ConfigureAwait(false))
            {
                return client;
            }

            Close(client);
            cancellationToken.ThrowIfCancellationRequested();
        }

        return null;
    }

    /// <summary>Keeps <paramref name="client"/>, whose last use ended cleanly, for the next caller; closes it when the session is gone, it is, or enough are kept.</summary>
    public void Keep(SftpClient client)
    {
        // Back to what a new connection has (SSH.NET's defaults): whoever rents it next, a
        // transfer that sets its own or a rename that may take its time, finds no one else's.
        client.OperationTimeout = Timeout.InfiniteTimeSpan;
        client.BufferSize = DefaultBufferSize;
        lock (_gate)
        {
            // A client already kept is not kept twice (two copies would share it), nor closed
            // under whoever takes it next.
            if (_idle.Any(i => ReferenceEquals(i.Client, client)))
            {
                return;
            }

            // Checked under the lock: CloseAll, after the session is marked closed, finds whatever got in before.
            if (_idle.Count < Capacity && client.IsConnected && _sessionAlive())
            {
                _idle.Add(new Idle(client, Environment.TickCount));
                _expiry ??= new Timer(_ => Expire(), null, ExpiryCheck, ExpiryCheck);
                return;
            }
        }

        Close(client);
    }

    /// <summary>Closes every kept connection (the session closed, or its link dropped).</summary>
    public void CloseAll()
    {
        List<Idle> closing;
        lock (_gate)
        {
            closing = _idle.ToList();
            _idle.Clear();
            _expiry?.Dispose();
            _expiry = null;
        }

        CloseEach(closing);
    }

    private static async Task<bool> AnswersAsync(SftpClient client, CancellationToken cancellationToken)
    {
        if (!client.IsConnected)
        {
            return false;
        }

        using var probe = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        probe.CancelAfter(ProbeTimeout);
        try
        {
            // One round trip to the SFTP server: a connection whose peer died quietly fails it.
            await client.GetAttributesAsync(".", probe.Token).ConfigureAwait(false);
            return client.IsConnected;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Whatever went wrong, this one is not trusted: the caller opens a fresh one.
            return false;
        }
    }

    private static void Close(SftpClient client)
    {
        try
        {
            SftpConnections.Close(client); // its receive buffer goes back to the spares too
        }
        catch (Exception ex) when (ex is Renci.SshNet.Common.SshException or System.Net.Sockets.SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // Already dead: nothing more to close.
        }
    }

    private SftpClient? TakeOne()
    {
        lock (_gate)
        {
            if (_idle.Count == 0)
            {
                return null;
            }

            // The most recently kept first: the likeliest to be alive, and the others may expire.
            var idle = _idle[_idle.Count - 1];
            _idle.RemoveAt(_idle.Count - 1);
            return idle.Client;
        }
    }

    private void Expire()
    {
        // Past int's milliseconds (24.8 days) a timeout would wrap negative and expire everything at once.
        var limit = (int)Math.Min(IdleTimeout.TotalMilliseconds, int.MaxValue);
        var expired = new List<Idle>();
        lock (_gate)
        {
            // One decision per connection, against one reading of the clock. Reading each age
            // twice, once to pick what to close and again to pick what to forget, would forget
            // without closing one that came of age in between: its login held until the session closed.
            var now = Environment.TickCount;
            for (var i = _idle.Count - 1; i >= 0; i--)
            {
                if (unchecked(now - _idle[i].Since) >= limit)
                {
                    expired.Add(_idle[i]);
                    _idle.RemoveAt(i);
                }
            }

            if (_idle.Count == 0)
            {
                _expiry?.Dispose();
                _expiry = null;
            }
        }

        CloseEach(expired);
    }

    /// <summary>
    /// Closes connections already off the list, each on its own: one skipped because an earlier
    /// close threw would hold its login on the host until the session closed. Never throws (the
    /// expiry calls this on a timer thread, where an exception would end the process).
    /// </summary>
    private static void CloseEach(IEnumerable<Idle> connections)
    {
        foreach (var idle in connections)
        {
            try
            {
                Close(idle.Client);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Closing failed: the connection is dead anyway.
            }
        }
    }

    private readonly struct Idle
    {
        public Idle(SftpClient client, int since)
        {
            Client = client;
            Since = since;
        }

        public SftpClient Client { get; }

        public int Since { get; }
    }
}
