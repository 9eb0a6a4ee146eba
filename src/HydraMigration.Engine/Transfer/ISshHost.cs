using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;

namespace HydraMigration.Transfer;

/// <summary>
/// What the transfer engine needs from an SSH session: more SFTP connections to the same
/// host, and commands run on it. The session cmdlets implement it on their session type; the
/// tests and the benchmark have a small one built on SSH.NET clients.
/// </summary>
internal interface ISshHost
{
    /// <summary>
    /// A connected, authenticated, host-key-verified <see cref="SftpClient"/> to the same host
    /// (its own SSH connection: each has its own cipher stream and its own sshd process, which
    /// is how a transfer gets past one core): new, or one an earlier transfer handed back with
    /// <see cref="KeepSftp"/> and that still answers. The caller disposes it or hands it back.
    /// </summary>
    SftpClient OpenSftp(CancellationToken cancellationToken);

    /// <summary>
    /// Takes back a connection from <see cref="OpenSftp"/> whose transfer ended cleanly (its
    /// handles closed, nothing outstanding, no error, timeout or stop): kept for the next
    /// transfer, or closed.
    /// </summary>
    void KeepSftp(SftpClient client);

    /// <summary>Runs a command on the host (an exec channel) and returns its exit status, stdout and stderr.</summary>
    Task<RemoteCommandResult> RunAsync(string command, CancellationToken cancellationToken);

    /// <summary>
    /// Creates a command on the session's SSH client without starting it, for a caller that
    /// writes its standard input while it runs (the overlapped upload verification streams the
    /// ranges to hash this way). The caller starts, awaits and disposes it.
    /// </summary>
    SshCommand CreateCommand(string command);
}

/// <summary>
/// What a remote command returned. A sealed class rather than a positional record: records
/// need IsExternalInit, which netstandard2.0 lacks.
/// </summary>
internal sealed class RemoteCommandResult
{
    public RemoteCommandResult(int exitStatus, string output, string error)
    {
        ExitStatus = exitStatus;
        Output = output;
        Error = error;
    }

    public int ExitStatus { get; }

    public string Output { get; }

    public string Error { get; }
}
