using System;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Ssh;
using HydraMigration.Storage;
using Renci.SshNet;

namespace HydraMigration.Copy;

/// <summary>One side of a copy: this computer, or an SSH host reached over its own SFTP connection.</summary>
internal sealed class CopyEndpoint : IDisposable
{
    // Held for the whole copy: remote hashing runs commands on the session's connection.
    private readonly SftpLease? _lease;

    private CopyEndpoint(IFileStore files, HydraSshSession? session, SftpLease? lease)
    {
        Files = files;
        Session = session;
        _lease = lease;
    }

    public IFileStore Files { get; }

    /// <summary>The session whose host this is; null for this computer.</summary>
    public HydraSshSession? Session { get; }

    public bool IsLocal => Session is null;

    /// <summary>This endpoint's own SFTP connection (null for this computer); small files travel over it.</summary>
    public SftpClient? Sftp => _lease?.Client;

    public static async Task<CopyEndpoint> OpenAsync(HydraSshSession? session, CancellationToken cancellationToken)
    {
        if (session is null)
        {
            return new CopyEndpoint(LocalFileStore.Instance, null, null);
        }

        var lease = await SftpLease.TakeAsync(session, cancellationToken).ConfigureAwait(false);
        return new CopyEndpoint(new SftpFileStore(lease.Client, session.ToString()), session, lease);
    }

    /// <summary>The copy succeeded: its SFTP connection is kept for the session's next copy rather than closed.</summary>
    public void Succeeded() => _lease?.Succeeded();

    public void Dispose() => _lease?.Dispose();
}
