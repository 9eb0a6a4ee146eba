using System;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;

namespace HydraMigration.Ssh;

/// <summary>
/// What a cmdlet holds of an SSH session while it works on the host's files: the session in use
/// (a per-call session stays connected until this ends) and one SFTP connection, a kept one when
/// the session has one. A cmdlet that ended cleanly hands the connection back for the next one
/// (<see cref="IdleSftpConnections"/>), which then logs in no more; after a failure or a stop it
/// is closed, since what was left on it is not known.
/// </summary>
internal sealed class SftpLease : IDisposable
{
    private readonly HydraSshSession _session;
    private readonly IDisposable _hold;
    private bool _succeeded;
    private bool _disposed;

    private SftpLease(HydraSshSession session, IDisposable hold, SftpClient client)
    {
        _session = session;
        _hold = hold;
        Client = client;
    }

    public SftpClient Client { get; }

    public static async Task<SftpLease> TakeAsync(HydraSshSession session, CancellationToken cancellationToken)
    {
        var connection = SshSessionConnection.Of(session);
        var hold = await connection.UseAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return new SftpLease(session, hold, await connection.RentSftpAsync(cancellationToken).ConfigureAwait(false));
        }
        catch
        {
            hold.Dispose();
            throw;
        }
    }

    /// <summary>The work ended cleanly: the connection is kept for the session's next cmdlet rather than closed.</summary>
    public void Succeeded() => _succeeded = true;

    public void Dispose()
    {
        if (_disposed)
        {
            return; // handed back or closed once: a second keep would give it to two cmdlets
        }

        _disposed = true;
        try
        {
            if (_succeeded)
            {
                SshSessionConnection.Of(_session).KeepSftp(Client);
            }
            else
            {
                Transfer.SftpConnections.Close(Client);
            }
        }
        finally
        {
            _hold.Dispose();
        }
    }
}
