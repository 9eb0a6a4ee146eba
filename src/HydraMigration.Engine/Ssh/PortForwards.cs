using System;
using System.Collections.Generic;
using System.Globalization;
using Renci.SshNet;

namespace HydraMigration.Ssh;

/// <summary>
/// Local port forwards over one SSH connection, shared and counted: the first user of a
/// destination opens a listener on 127.0.0.1 and a free port, the last one to let go closes it.
/// So a tunnel lives exactly as long as some call uses it, however many connections share it
/// (<see cref="TunnelListener"/> carries each of them, all at once).
/// </summary>
internal sealed class PortForwards : IDisposable
{
    private readonly SshClient _client;
    private readonly object _gate = new();
    private readonly Dictionary<string, (TunnelListener Port, int Users)> _open = new(StringComparer.Ordinal);

    public PortForwards(SshClient client) => _client = client;

    public PortForwardLease Acquire(string host, int port)
    {
        var key = host + "\n" + port.ToString(CultureInfo.InvariantCulture);
        lock (_gate)
        {
            if (!_open.TryGetValue(key, out var entry))
            {
                entry = (new TunnelListener(_client, _gate, host, port), 0);
            }

            _open[key] = (entry.Port, entry.Users + 1);
            return new PortForwardLease(entry.Port, () => Release(key));
        }
    }

    public void Dispose() => Close(disposeClient: false);

    /// <summary>
    /// Closes every forward, then the SSH connection, under the lock the forwards' own threads
    /// take to add and remove theirs: SSH.NET stops the forwards it lists while it disposes, and
    /// one removed meanwhile broke that ("Collection was modified", a NullReferenceException).
    /// </summary>
    public void DisposeWithClient() => Close(disposeClient: true);

    private void Close(bool disposeClient)
    {
        lock (_gate)
        {
            foreach (var entry in _open.Values)
            {
                Close(entry.Port);
            }

            _open.Clear();
            if (disposeClient)
            {
                _client.Dispose();
            }
        }
    }

    private void Release(string key)
    {
        lock (_gate)
        {
            if (!_open.TryGetValue(key, out var entry))
            {
                return;
            }

            if (entry.Users > 1)
            {
                _open[key] = (entry.Port, entry.Users - 1);
                return;
            }

            _open.Remove(key);
            Close(entry.Port);
        }
    }

    private static void Close(TunnelListener forward) => forward.Dispose();
}

/// <summary>One user's hold on a forward: connect to 127.0.0.1:<see cref="LocalPort"/>; dispose when done.</summary>
internal sealed class PortForwardLease : IDisposable
{
    private readonly TunnelListener _listener;
    private readonly int _unansweredBefore;
    private Action? _release;

    public PortForwardLease(TunnelListener listener, Action release)
    {
        _listener = listener;
        _unansweredBefore = listener.Unanswered;
        _release = release;
    }

    public int LocalPort => _listener.LocalPort;

    /// <summary>True when, since this lease began, the SSH host closed a connection before the destination answered: it could not reach it.</summary>
    public bool DestinationUnreachable => _listener.Unanswered > _unansweredBefore;

    /// <summary>The same forward, released by <paramref name="release"/> instead.</summary>
    public PortForwardLease With(Action release) => new(_listener, release);

    public void Dispose() => System.Threading.Interlocked.Exchange(ref _release, null)?.Invoke();
}
