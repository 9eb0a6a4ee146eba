using System;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Storage;
using Renci.SshNet;

namespace HydraMigration.Copy;

/// <summary>One side of a copy: this computer, or an SSH host reached over its own SFTP connection.</summary>
internal sealed class CopyEndpoint : IDisposable
{
    private readonly SftpClient? _sftp;

    private CopyEndpoint(IFileStore files, HydraSshSession? session, SftpClient? sftp)
    {
        Files = files;
        Session = session;
        _sftp = sftp;
    }

    public IFileStore Files { get; }

    /// <summary>The session whose host this is; null for this computer.</summary>
    public HydraSshSession? Session { get; }

    public bool IsLocal => Session is null;

    public static async Task<CopyEndpoint> OpenAsync(HydraSshSession? session, CancellationToken cancellationToken)
    {
        if (session is null)
        {
            return new CopyEndpoint(LocalFileStore.Instance, null, null);
        }

        session.EnsureConnected();
        var sftp = await session.OpenSftpAsync(cancellationToken).ConfigureAwait(false);
        return new CopyEndpoint(new SftpFileStore(sftp, session.ToString()), session, sftp);
    }

    public void Dispose() => _sftp?.Dispose();
}
