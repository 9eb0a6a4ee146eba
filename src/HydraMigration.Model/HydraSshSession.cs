using System;

namespace HydraMigration;

/// <summary>
/// An SSH connection whose host key was verified. A session from New-HydraSshSession stays open:
/// the caller owns it (keep it in a variable) and closes it with Remove-HydraSshSession. A
/// session made from a cmdlet's inline -Ssh* parameters opens per call instead: each cmdlet
/// call that uses it connects, and disconnects when done, so nothing stays open behind a
/// runbook's back; after the first connection it only trusts the host key verified then.
/// Cmdlets use a session to run pg_dump on that host, to forward ports to servers only it can
/// reach, and to copy archives.
/// </summary>
/// <remarks>
/// This is the session as the user sees it. The connection itself (the SSH client, its
/// forwards, who holds it) is the engine's (Ssh/SshSessionConnection), reached through
/// <see cref="Link"/>.
/// </remarks>
public sealed class HydraSshSession : IDisposable
{
    private readonly string _display;

    internal HydraSshSession(int id, string hostName, int port, string userName, string display, bool opensPerCall, ISshSessionLink link)
    {
        Id = id;
        HostName = hostName;
        Port = port;
        UserName = userName;
        _display = display;
        OpensPerCall = opensPerCall;
        Link = link;
        Created = DateTime.Now;
    }

    /// <summary>Number of this session in the current PowerShell session (for Get-/Remove-HydraSshSession -Id); 0 for a per-call session, which is not listed.</summary>
    public int Id { get; }

    /// <summary>The SSH host.</summary>
    public string HostName { get; }

    /// <summary>The SSH port.</summary>
    public int Port { get; }

    /// <summary>The user logged in.</summary>
    public string UserName { get; }

    /// <summary>The verified host key's fingerprint, "SHA256:…" as ssh prints it.</summary>
    public string HostKeyFingerprint => Link.HostKeyFingerprint;

    /// <summary>The host key's type ("ssh-ed25519", "ssh-rsa", …).</summary>
    public string HostKeyType => Link.HostKeyType;

    /// <summary>The server's identification string ("SSH-2.0-OpenSSH_9.2p1 …").</summary>
    public string ServerVersion => Link.ServerVersion;

    /// <summary>True while the connection is open.</summary>
    public bool IsConnected => Link.IsConnected;

    /// <summary>True for a session from a cmdlet's inline -Ssh* parameters: it connects for each call that uses it and disconnects after.</summary>
    public bool OpensPerCall { get; }

    /// <summary>When the session was opened (local time).</summary>
    public DateTime Created { get; }

    /// <summary>The engine's connection behind this session.</summary>
    internal ISshSessionLink Link { get; }

    /// <summary>"user@host" or "user@host:port".</summary>
    public override string ToString() => _display;

    /// <summary>Closes the connection and every port forward on it; a per-call session cannot be used again.</summary>
    public void Dispose() => Link.Dispose();
}

/// <summary>What the session shows of the engine's connection behind it.</summary>
internal interface ISshSessionLink : IDisposable
{
    bool IsConnected { get; }

    string HostKeyFingerprint { get; }

    string HostKeyType { get; }

    string ServerVersion { get; }
}
