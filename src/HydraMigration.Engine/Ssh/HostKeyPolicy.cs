using System.Globalization;
using System.Management.Automation;

namespace HydraMigration.Ssh;

/// <summary>
/// Decides whether to trust the key a server offers, as OpenSSH's StrictHostKeyChecking=yes
/// would, plus two explicit ways to trust: a pinned fingerprint and trust-on-first-use. A key
/// that differs from the one on record is always refused, whatever else was asked.
/// </summary>
internal sealed class HostKeyPolicy
{
    private readonly SshSessionRequest _request;

    public HostKeyPolicy(SshSessionRequest request) => _request = request;

    public string LookupName => KnownHostsFile.LookupName(_request.HostName, _request.Port);

    /// <summary>Null when the key is trusted; otherwise the refusal to report instead of SSH.NET's "key exchange failed".</summary>
    public HydraException? Check(SshHostKey offered)
    {
        var name = LookupName;
        if (_request.HostKeyFingerprint is { Length: > 0 } pin)
        {
            return offered.MatchesPin(pin)
                ? null
                : new HydraException(HydraErrors.SshHostKeyMismatch, Format(
                    "The host key of '{0}' is not the one pinned: {4} is '{1}', but the server offered the {2} key {3}. The connection was refused. If the server's key really changed, check the new fingerprint with its administrator before pinning it.",
                    name, pin, offered.DisplayType, offered.Fingerprint, _request.Parameter("HostKeyFingerprint")), name);
        }

        var knownHosts = KnownHostsFile.Read(_request.KnownHostsPath);
        var lookup = knownHosts.Check(name, offered);
        switch (lookup.Status)
        {
            case HostKeyStatus.Known:
                return null;
            case HostKeyStatus.Revoked:
                return new HydraException(HydraErrors.SshHostKeyRevoked, Format(
                    "The {0} host key {1} offered by '{2}' is marked @revoked in {3}. The connection was refused.", offered.DisplayType, offered.Fingerprint, name, _request.KnownHostsPath), name);
            case HostKeyStatus.Changed:
                return new HydraException(HydraErrors.SshHostKeyChanged, Format(
                    "WARNING: the host key of '{0}' has CHANGED. {1} (line {2}) holds the {3} key {4}, but the server offered {5}. Someone could be intercepting this connection (man-in-the-middle), or the host key was replaced. The connection was refused. If the change is expected, remove the old entry (ssh-keygen -R '{0}' -f '{1}') and connect again, or pin the new key with {6} '{5}'.",
                    name, _request.KnownHostsPath, lookup.Entry!.LineNumber, offered.DisplayType, lookup.Entry.Fingerprint, offered.Fingerprint, _request.Parameter("HostKeyFingerprint")), name);
            default:
                if (_request.AcceptNewHostKey)
                {
                    KnownHostsFile.Append(_request.KnownHostsPath, name, offered);
                    return null;
                }

                var otherType = lookup.Entry is null ? "" : Format(" ({0} knows a {1} key for it, but the server offered {2}.)", _request.KnownHostsPath, lookup.Entry.KeyType, offered.KeyType);
                return new HydraException(HydraErrors.SshHostKeyUnknown, Format(
                    "The authenticity of host '{0}' can't be established: it is not in {1}.{2} Its {3} key fingerprint is {4}. If you trust this key, pin it with {5} '{4}', or trust it on first use with {6} (which adds it to {1}).",
                    name, _request.KnownHostsPath, otherType, offered.DisplayType, offered.Fingerprint, _request.Parameter("HostKeyFingerprint"), _request.Parameter("AcceptNewHostKey")), name);
        }
    }

    private static string Format(string format, params object[] args) => string.Format(CultureInfo.InvariantCulture, format, args);
}
