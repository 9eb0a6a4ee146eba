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
    /// Opens a new connected, authenticated, host-key-verified <see cref="SftpClient"/> to the
    /// same host (a new SSH connection: each has its own cipher stream and its own sshd
    /// process, which is how a transfer gets past one core). The caller disposes it.
    /// </summary>
    SftpClient OpenSftp(CancellationToken cancellationToken);

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
