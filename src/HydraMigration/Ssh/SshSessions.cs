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
        var policy = new HostKeyPolicy(request);
        SshHostKey? verified = null;
        reporter.Verbose("Connecting to " + request.Display + ", host keys checked against " + (request.HostKeyFingerprint is null ? request.KnownHostsPath : "the pinned fingerprint"));
        var client = await SshConnector.ConnectAsync(request, info => new SshClient(info), offered =>
        {
            var refusal = policy.Check(offered);
            verified = refusal is null ? offered : null;
            return refusal;
        }, cancellationToken).ConfigureAwait(false);

        // A keepalive notices a dead peer during long remote dumps instead of waiting forever.
        client.KeepAliveInterval = TimeSpan.FromSeconds(30);
        var session = new HydraSshSession(registry.NextId(), client, request, verified!);
        registry.Add(session);
        reporter.Verbose("Connected to " + session + " (" + session.ServerVersion + "), host key " + session.HostKeyFingerprint);
        return session;
    }
}
