using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Infrastructure;
using Renci.SshNet;

namespace HydraMigration.Ssh;

/// <summary>Opens <see cref="HydraSshSession"/>s: connect, verify the host key, register in the caller's runspace.</summary>
internal static class SshSessions
{
    public static string DefaultKnownHostsPath =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "known_hosts");

    public static async Task<HydraSshSession> OpenAsync(SshSessionRequest request, SshSessionRegistry registry, IOperationReporter reporter, CancellationToken cancellationToken)
    {
        reporter.Verbose("Connecting to " + request.Display + ", host keys checked against " + (request.HostKeyFingerprint is null ? request.KnownHostsPath : "the pinned fingerprint"));
        var (client, hostKey) = await ConnectAsync(request, new HostKeyPolicy(request).Check, cancellationToken).ConfigureAwait(false);
        var session = SshSessionConnection.Kept(registry.NextId(), client, request, hostKey);
        registry.Add(session);
        reporter.Verbose("Connected to " + session + " (" + session.ServerVersion + "), host key " + session.HostKeyFingerprint);
        return session;
    }

    /// <summary>A connection whose host key <paramref name="trust"/> accepted, and that key.</summary>
    public static async Task<(SshClient Client, SshHostKey HostKey)> ConnectAsync(SshSessionRequest request, Func<SshHostKey, HydraException?> trust, CancellationToken cancellationToken)
    {
        SshHostKey? verified = null;
        var client = await SshConnector.ConnectAsync(request, info => new SshClient(info), offered =>
        {
            var refusal = trust(offered);
            verified = refusal is null ? offered : null;
            return refusal;
        }, cancellationToken).ConfigureAwait(false);

        // A keepalive notices a dead peer during long remote dumps instead of waiting forever.
        client.KeepAliveInterval = TimeSpan.FromSeconds(30);
        return (client, verified!);
    }
}
