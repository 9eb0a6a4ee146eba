using System.Threading.Tasks;
using HydraMigration.Infrastructure;

namespace HydraMigration.Ssh;

/// <summary>What New-HydraSshSession and Remove-HydraSshSession will do, as plans.</summary>
internal static class SshSessionOperations
{
    /// <summary>Connect, verify the host key (adding it to known_hosts with -AcceptNewHostKey, when new), register the session.</summary>
    public static IOperationPlan<HydraSshSession> Open(SshSessionRequest request, SshSessionRegistry registry)
    {
        var trust = request.HostKeyFingerprint is not null ? "the pinned fingerprint " + request.HostKeyFingerprint
            : request.AcceptNewHostKey ? request.KnownHostsPath + " (a new host's key is added to it)"
            : request.KnownHostsPath;
        return new OperationPlan<HydraSshSession>(
            request.Display,
            "Open SSH session",
            new[] { "connect to " + request.Display, "verify the host key against " + trust, "keep the session in this PowerShell session" },
            (reporter, token) => SshSessions.OpenAsync(request, registry, reporter, token));
    }

    /// <summary>Close the session and its port forwards, and forget it.</summary>
    public static IOperationPlan<HydraSshSession> Close(HydraSshSession session, SshSessionRegistry registry) =>
        new OperationPlan<HydraSshSession>(
            session + " (Id " + session.Id + ")",
            "Close SSH session",
            new[] { "close the port forwards and the connection of " + session, "forget the session" },
            (reporter, _) =>
            {
                session.Dispose();
                registry.Remove(session);
                reporter.Verbose("Closed " + session);
                return Task.FromResult(session);
            });
}
