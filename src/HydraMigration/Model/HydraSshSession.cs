using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Ssh;
using HydraMigration.Transfer;
using Renci.SshNet;

namespace HydraMigration;

/// <summary>
/// An open SSH connection whose host key was verified. The caller owns it (keep it in a
/// variable) and closes it with Remove-HydraSshSession. Cmdlets use it to run pg_dump on that
/// host, to forward ports to servers only it can reach, and to copy archives.
/// </summary>
public sealed class HydraSshSession : IDisposable, ISshHost
{
    private readonly SshClient _client;
    private readonly SshSessionRequest _request;
    private readonly SshHostKey _hostKey;
    private readonly PortForwards _forwards;
    private volatile bool _closed;

    internal HydraSshSession(int id, SshClient client, SshSessionRequest request, SshHostKey hostKey)
    {
        Id = id;
        _client = client;
        _request = request;
        _hostKey = hostKey;
        _forwards = new PortForwards(client);
        Created = DateTime.Now;
    }

    /// <summary>Number of this session in the current PowerShell session (for Get-/Remove-HydraSshSession -Id).</summary>
    public int Id { get; }

    /// <summary>The SSH host.</summary>
    public string HostName => _request.HostName;

    /// <summary>The SSH port.</summary>
    public int Port => _request.Port;

    /// <summary>The user logged in.</summary>
    public string UserName => _request.UserName;

    /// <summary>The verified host key's fingerprint, "SHA256:…" as ssh prints it.</summary>
    public string HostKeyFingerprint => _hostKey.Fingerprint;

    /// <summary>The host key's type ("ssh-ed25519", "ssh-rsa", …).</summary>
    public string HostKeyType => _hostKey.KeyType;

    /// <summary>The server's identification string ("SSH-2.0-OpenSSH_9.2p1 …").</summary>
    public string ServerVersion => _client.ConnectionInfo.ServerVersion ?? "";

    /// <summary>True while the connection is open.</summary>
    public bool IsConnected => !_closed && _client.IsConnected;

    /// <summary>When the session was opened (local time).</summary>
    public DateTime Created { get; }

    internal SshClient Client => _client;

    /// <summary>"user@host" or "user@host:port".</summary>
    public override string ToString() => _request.Display;

    /// <summary>Closes the connection and every port forward on it.</summary>
    public void Dispose()
    {
        _closed = true;
        _forwards.Dispose();
        _client.Dispose();
    }

    /// <summary>
    /// A second connection to the same host (SFTP runs on its own, so a long transfer never
    /// blocks the commands and forwards of this one). It must present the key verified here.
    /// </summary>
    internal Task<SftpClient> OpenSftpAsync(CancellationToken cancellationToken) =>
        SshConnector.ConnectAsync(_request, info => new SftpClient(info), SamePinnedKey, cancellationToken);

    /// <inheritdoc />
    SftpClient ISshHost.OpenSftp(CancellationToken cancellationToken) => OpenSftpAsync(cancellationToken).GetAwaiter().GetResult();

    /// <inheritdoc />
    Task<RemoteCommandResult> ISshHost.RunAsync(string command, CancellationToken cancellationToken) =>
        RemoteShell.RunAsync(_client, command, null, null, cancellationToken);

    /// <inheritdoc />
    SshCommand ISshHost.CreateCommand(string command) => _client.CreateCommand(command);

    /// <summary>A local TCP port that reaches <paramref name="host"/>:<paramref name="port"/> as this SSH host sees it; dispose to release.</summary>
    internal PortForwardLease Forward(string host, int port)
    {
        EnsureConnected();
        return _forwards.Acquire(host, port);
    }

    internal void EnsureConnected()
    {
        // SSH.NET answers IsConnected by polling the socket; ask twice before declaring it gone.
        if (!IsConnected && (_closed || !WaitConnected()))
        {
            throw new HydraException("SshSessionClosed", System.Management.Automation.ErrorCategory.ConnectionError, string.Format(CultureInfo.InvariantCulture,
                "The SSH session {0} (Id {1}) is no longer connected. Open a new one with New-HydraSshSession.", this, Id), this);
        }
    }

    private bool WaitConnected()
    {
        System.Threading.Thread.Sleep(200);
        return IsConnected;
    }

    private HydraException? SamePinnedKey(SshHostKey offered) =>
        offered.Fingerprint == _hostKey.Fingerprint
            ? null
            : new HydraException("SshHostKeyChanged", System.Management.Automation.ErrorCategory.SecurityError, string.Format(CultureInfo.InvariantCulture,
                "WARNING: the host key of '{0}' changed during this session: it was {1}, now the server offers {2}. The connection was refused.", _request.Display, _hostKey.Fingerprint, offered.Fingerprint), this);
}
