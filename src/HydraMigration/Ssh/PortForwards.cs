using System;
using System.Collections.Generic;
using System.Globalization;
using Renci.SshNet;

namespace HydraMigration.Ssh;

/// <summary>
/// Local port forwards over one SSH connection, shared and counted: the first user of a
/// destination opens a listener on 127.0.0.1 and a free port, the last one to let go closes it.
/// So a tunnel lives exactly as long as some call uses it, however many connections share it.
/// </summary>
internal sealed class PortForwards : IDisposable
{
    private readonly SshClient _client;
    private readonly object _gate = new();
    private readonly Dictionary<string, (ForwardedPortLocal Port, int Users)> _open = new(StringComparer.Ordinal);

    public PortForwards(SshClient client) => _client = client;

    public PortForwardLease Acquire(string host, int port)
    {
        var key = host + "\n" + port.ToString(CultureInfo.InvariantCulture);
        lock (_gate)
        {
            if (!_open.TryGetValue(key, out var entry))
            {
                var forward = new ForwardedPortLocal("127.0.0.1", 0, host, (uint)port);
                _client.AddForwardedPort(forward);
                forward.Start();
                entry = (forward, 0);
            }

            _open[key] = (entry.Port, entry.Users + 1);
            return new PortForwardLease((int)entry.Port.BoundPort, () => Release(key));
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var entry in _open.Values)
            {
                Close(entry.Port);
            }

            _open.Clear();
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

    private void Close(ForwardedPortLocal forward)
    {
        try
        {
            forward.Stop();
            _client.RemoveForwardedPort(forward);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException or Renci.SshNet.Common.SshException)
        {
            // The connection is already gone; nothing is left listening.
        }

        forward.Dispose();
    }
}

/// <summary>One user's hold on a forward: connect to 127.0.0.1:<see cref="LocalPort"/>; dispose when done.</summary>
internal sealed class PortForwardLease : IDisposable
{
    private Action? _release;

    public PortForwardLease(int localPort, Action release)
    {
        LocalPort = localPort;
        _release = release;
    }

    public int LocalPort { get; }

    public void Dispose() => System.Threading.Interlocked.Exchange(ref _release, null)?.Invoke();
}
