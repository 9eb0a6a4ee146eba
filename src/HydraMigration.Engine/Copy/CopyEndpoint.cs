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
    private readonly IDisposable? _hold;
    private bool _succeeded;

    private CopyEndpoint(IFileStore files, HydraSshSession? session, SftpClient? sftp, IDisposable? hold)
    {
        Files = files;
        Session = session;
        _sftp = sftp;
        _hold = hold;
    }

    public IFileStore Files { get; }

    /// <summary>The session whose host this is; null for this computer.</summary>
    public HydraSshSession? Session { get; }

    public bool IsLocal => Session is null;

    /// <summary>This endpoint's own SFTP connection (null for this computer); small files travel over it.</summary>
    public SftpClient? Sftp => _sftp;

    public static async Task<CopyEndpoint> OpenAsync(HydraSshSession? session, CancellationToken cancellationToken)
    {
        if (session is null)
        {
            return new CopyEndpoint(LocalFileStore.Instance, null, null, null);
        }

        // Held for the whole copy: remote hashing runs commands on the session's connection.
        var hold = await SshSessionConnection.Of(session).UseAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var sftp = await SshSessionConnection.Of(session).RentSftpAsync(cancellationToken).ConfigureAwait(false);
            return new CopyEndpoint(new SftpFileStore(sftp, session.ToString()), session, sftp, hold);
        }
        catch
        {
            hold.Dispose();
            throw;
        }
    }

    /// <summary>The copy succeeded: its SFTP connection is kept for the session's next copy rather than closed.</summary>
    public void Succeeded() => _succeeded = true;

    public void Dispose()
    {
        try
        {
            if (_succeeded && _sftp is not null && Session is not null)
            {
                SshSessionConnection.Of(Session).KeepSftp(_sftp);
            }
            else
            {
                _sftp?.Dispose();
            }
        }
        finally
        {
            _hold?.Dispose();
        }
    }
}
