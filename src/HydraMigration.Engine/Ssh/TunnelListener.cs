using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace HydraMigration.Ssh;

/// <summary>
/// A local port on 127.0.0.1 whose every connection is carried to one destination through the
/// SSH connection, however many arrive at once.
/// </summary>
/// <remarks>
/// <para>Why not one SSH.NET <see cref="ForwardedPortLocal"/>: it cannot hold connections that
/// arrive together (SSH.NET 2026.0.0, ForwardedPortLocal.AcceptCompleted). After an accept it
/// re-arms the next accept before it serves the socket it got, and serving blocks for the
/// connection's whole life (ChannelDirectTcpip.Bind reads the socket until it closes). When the
/// next connection is already queued, the re-armed accept completes synchronously and recurses
/// into serving that one, on the same thread, so the first connection gets no channel until
/// the second closes. pg_dump -j 4's workers, or four parallel validation queries, connect
/// together and wait there until their timeouts ("reconnection failed … timeout expired",
/// "Timeout during reading attempt"). Its listen backlog of 5 drops more. OpenSSH's ssh -L
/// serves each connection as it comes.</para>
/// <para>So this listener accepts (backlog 512) and gives each connection a ForwardedPortLocal
/// of its own, which only ever sees that one connection and so never takes the recursive path,
/// and relays the bytes between the two over loopback. Everything here runs on dedicated
/// threads: SSH.NET already holds a thread-pool thread per channel (see
/// <see cref="ChannelThreadHeadroom"/>), and a relay that waited for the pool would starve with
/// it on a small machine.</para>
/// </remarks>
internal sealed class TunnelListener : IDisposable
{
    private const int Backlog = 512;
    private const int RelayBufferBytes = 64 * 1024;
    private readonly SshClient _client;
    private readonly object _clientGate;
    private readonly string _host;
    private readonly uint _port;
    private readonly Socket _listener;
    private readonly object _gate = new();
    private readonly HashSet<Relay> _relays = new();
    private bool _closed;
    private int _unanswered;

    /// <param name="client">The SSH connection.</param>
    /// <param name="clientGate">Held while forwards are added to or removed from <paramref name="client"/> (SSH.NET's list of them is not thread-safe).</param>
    /// <param name="host">The destination as the SSH host sees it.</param>
    /// <param name="port">The destination port.</param>
    public TunnelListener(SshClient client, object clientGate, string host, int port)
    {
        _client = client;
        _clientGate = clientGate;
        _host = host;
        _port = (uint)port;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(Backlog);
        }
        catch
        {
            _listener.Dispose();
            throw;
        }

        LocalPort = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        new Thread(AcceptLoop) { IsBackground = true, Name = "HydraMigration tunnel " + LocalPort }.Start();
    }

    /// <summary>The local port to connect to.</summary>
    public int LocalPort { get; }

    /// <summary>
    /// Connections the SSH side closed on a waiting client before the destination sent a single
    /// byte. A PostgreSQL server always answers a connection (at least with an error), so this
    /// means the SSH host could not reach the destination: sshd could not open the channel.
    /// </summary>
    public int Unanswered => Volatile.Read(ref _unanswered);

    /// <summary>Stops accepting and ends every relayed connection.</summary>
    public void Dispose()
    {
        List<Relay> open;
        lock (_gate)
        {
            _closed = true;
            open = new List<Relay>(_relays);
        }

        _listener.Dispose();
        foreach (var relay in open)
        {
            relay.Dispose();
        }
    }

    private void AcceptLoop()
    {
        while (true)
        {
            Socket accepted;
            try
            {
                accepted = _listener.Accept();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return; // closed
            }

            accepted.NoDelay = true;
            var relay = new Relay(this, accepted);
            lock (_gate)
            {
                if (_closed)
                {
                    accepted.Dispose();
                    return;
                }

                _relays.Add(relay);
            }

            new Thread(relay.Run) { IsBackground = true, Name = "HydraMigration tunnel " + LocalPort + " relay" }.Start();
        }
    }

    private void Ended(Relay relay)
    {
        lock (_gate)
        {
            _relays.Remove(relay);
        }
    }

    /// <summary>One accepted connection, its own forward, and the bytes between them.</summary>
    private sealed class Relay : IDisposable
    {
        private readonly TunnelListener _owner;
        private readonly Socket _outside;
        private Socket? _inside;
        private volatile bool _outsideEnded;

        public Relay(TunnelListener owner, Socket outside)
        {
            _owner = owner;
            _outside = outside;
        }

        public void Run()
        {
            ForwardedPortLocal? forward = null;
            using var headroom = ChannelThreadHeadroom.Hold();
            try
            {
                forward = new ForwardedPortLocal("127.0.0.1", 0, _owner._host, _owner._port);
                lock (_owner._clientGate)
                {
                    _owner._client.AddForwardedPort(forward);
                    forward.Start();
                }

                _inside = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                _inside.Connect(new IPEndPoint(IPAddress.Loopback, (int)forward.BoundPort));
                var back = new Thread(() => Pump(_inside, _outside, back: true)) { IsBackground = true, Name = "HydraMigration tunnel relay back" };
                back.Start();
                Pump(_outside, _inside, back: false);
                back.Join();
            }
#pragma warning disable CA1031 // A thread of our own: anything thrown here would end the whole process.
            catch (Exception)
#pragma warning restore CA1031
            {
                // The SSH connection is gone (or going): SSH.NET says so with SshException,
                // ObjectDisposedException, InvalidOperationException or a socket error. The
                // outside connection just closes, as with ssh -L; the caller's error names the
                // dropped session.
            }
            finally
            {
                Dispose();
                StopForward(forward);
                _owner.Ended(this);
            }
        }

        /// <summary>Closes both sockets: each pump ends at once.</summary>
        public void Dispose()
        {
            Close(_outside);
            if (_inside is { } inside)
            {
                Close(inside);
            }
        }

        private static void Close(Socket socket)
        {
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Already closed.
            }

            socket.Dispose();
        }

        /// <summary>Copies until <paramref name="from"/> ends, then passes the end on.</summary>
        private void Pump(Socket from, Socket to, bool back)
        {
            var buffer = new byte[RelayBufferBytes];
            long total = 0;
            try
            {
                int read;
                while ((read = from.Receive(buffer)) > 0)
                {
                    for (var sent = 0; sent < read;)
                    {
                        sent += to.Send(buffer, sent, read - sent, SocketFlags.None);
                    }

                    total += read;
                }

                Ending(back, total);
                to.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // One side went away: end the other too.
                Ending(back, total);
                Dispose();
            }
        }

        /// <summary>Called before a pump passes its end on, so the count is right before the client can see the end.</summary>
        private void Ending(bool back, long total)
        {
            if (!back)
            {
                _outsideEnded = true;
            }
            else if (total == 0 && !_outsideEnded)
            {
                Interlocked.Increment(ref _owner._unanswered);
            }
        }

        private void StopForward(ForwardedPortLocal? forward)
        {
            if (forward is null)
            {
                return;
            }

            try
            {
                // Outside the gate: stopping waits for the channel to close, and other
                // connections must not wait for that to start.
                forward.Stop();
                lock (_owner._clientGate)
                {
                    _owner._client.RemoveForwardedPort(forward);
                }
            }
#pragma warning disable CA1031 // A thread of our own: anything thrown here would end the whole process.
            catch (Exception)
#pragma warning restore CA1031
            {
                // The connection is already gone (ObjectDisposedException, SshException, …); nothing is left listening.
            }

            forward.Dispose();
        }
    }
}
