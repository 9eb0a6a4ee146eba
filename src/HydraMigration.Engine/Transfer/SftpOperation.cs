using System;
using System.Collections.Generic;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet.Common;
using Renci.SshNet.Sftp;

namespace HydraMigration.Transfer;

/// <summary>
/// One chunk's SFTP requests, answered on SSH.NET's receive loop: each answer is handled there
/// (a read's bytes copied straight into the chunk's buffer) and the last one completes the
/// chunk's task. Cancelled or failed, it ignores answers still arriving, so its buffer can be
/// reused at once.
/// </summary>
internal sealed class SftpOperation
{
    private const int StatusOk = 0;
    private const int StatusEof = 1;
    private const int StatusNoSuchFile = 2;
    private const int StatusPermissionDenied = 3;

    private static readonly MethodInfo OnStatusMethod = typeof(SftpOperation).GetMethod(nameof(OnStatus), BindingFlags.Instance | BindingFlags.NonPublic)!;

    // Continuations run on the pool, never on SSH.NET's receive loop, which must keep reading.
    private readonly TaskCompletionSource<bool> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SftpInternals _sftp;
    private readonly SessionWatch _watch;
    private readonly object _gate = new();
    private readonly bool _isRead;
    private CancellationTokenRegistration _cancellation;
    private int _remaining;
    private bool _finished;

    public SftpOperation(SftpInternals sftp, SessionWatch watch, int requests, bool isRead, CancellationToken cancellationToken)
    {
        _sftp = sftp;
        _watch = watch;
        _remaining = requests;
        _isRead = isRead;
        StatusCallback = SftpInternals.Callback(sftp.StatusResponseType, this, OnStatusMethod);
        if (requests == 0)
        {
            // Nothing to send, so no answer will ever complete it.
            _finished = true;
            _done.TrySetResult(true);
            return;
        }

        // Watched first, so a stop that is already requested (and fails it right away) leaves
        // nothing behind in the watch.
        watch.Add(this);
        var registration = cancellationToken.Register(() => Fail(new OperationCanceledException(cancellationToken)));
        lock (_gate)
        {
            if (!_finished)
            {
                _cancellation = registration;
                return;
            }
        }

        registration.Dispose();
    }

    public Task Task => _done.Task;

    /// <summary>The Action&lt;SftpStatusResponse&gt; for a write, or for a read that ends in a status.</summary>
    public Delegate StatusCallback { get; }

    /// <summary>Ends the operation with <paramref name="error"/> unless it already ended; later answers are ignored.</summary>
    public void Fail(Exception error)
    {
        lock (_gate)
        {
            if (_finished)
            {
                return;
            }

            _finished = true;
        }

        Finish();
        _ = error is OperationCanceledException canceled ? _done.TrySetCanceled(canceled.CancellationToken) : _done.TrySetException(error);
    }

    /// <summary>A read's bytes arrived: copied into the chunk's buffer while the operation is live (under the gate, so a cancelled chunk's buffer is never written after).</summary>
    internal void Deliver(ReadPiece piece, ArraySegment<byte> data)
    {
        lock (_gate)
        {
            if (_finished)
            {
                return;
            }

            var length = Math.Min(data.Count, piece.Length);
            Buffer.BlockCopy(data.Array!, data.Offset, piece.Buffer, piece.Start, length);
            piece.Received = length;
        }

        Answered();
    }

    private void OnStatus(object response)
    {
        var code = _sftp.StatusCodeOf(response);
        if (code == StatusOk || (code == StatusEof && _isRead))
        {
            // A write's acknowledgement, or a read at end of file (Received stays 0). End of
            // file for a write would mean its bytes were not written.
            Answered();
            return;
        }

        var message = _sftp.ErrorMessageOf(response) ?? "status " + code;
        Fail(code switch
        {
            StatusNoSuchFile => new SftpPathNotFoundException(message),
            StatusPermissionDenied => new SftpPermissionDeniedException(message),
            _ => Refused(message),
        });
    }

    /// <summary>A request the server answered with a failure status, worded alike on both paths (the public API throws a bare SshException with the server's message).</summary>
    internal static SshException Refused(string serverMessage, Exception? inner = null) =>
        new SftpRefusedException("The SFTP server refused a request: " + serverMessage, inner);

    /// <summary>The type of <see cref="Refused"/>: told apart from SSH.NET's own bare SshException.</summary>
    private sealed class SftpRefusedException(string message, Exception? inner) : SshException(message, inner);

    private void Answered()
    {
        _watch.NoteAnswer();
        lock (_gate)
        {
            if (_finished || --_remaining > 0)
            {
                return;
            }

            _finished = true;
        }

        Finish();
        _done.TrySetResult(true);
    }

    private void Finish()
    {
        _watch.Remove(this);
        CancellationTokenRegistration registration;
        lock (_gate)
        {
            registration = _cancellation;
            _cancellation = default;
        }

        // Dispose, not Unregister: a cancellation callback running right now is waited for,
        // unless this is it (Dispose from inside the callback returns at once).
        registration.Dispose();
    }
}

/// <summary>One SSH_FXP_READ of a chunk: where its bytes go, and how many came.</summary>
internal sealed class ReadPiece
{
    private static readonly MethodInfo OnDataMethod = typeof(ReadPiece).GetMethod(nameof(OnData), BindingFlags.Instance | BindingFlags.NonPublic)!;

    private readonly SftpOperation _operation;
    private readonly SftpInternals _sftp;

    public ReadPiece(SftpOperation operation, SftpInternals sftp, byte[] buffer, int start, int length)
    {
        _operation = operation;
        _sftp = sftp;
        Buffer = buffer;
        Start = start;
        Length = length;
        DataCallback = SftpInternals.Callback(sftp.DataResponseType, this, OnDataMethod);
    }

    public byte[] Buffer { get; }

    public int Start { get; }

    public int Length { get; }

    /// <summary>Bytes that arrived: Length, fewer (a short read), or 0 at end of file.</summary>
    public int Received { get; set; }

    public Delegate DataCallback { get; }

    private void OnData(object response) => _operation.Deliver(this, _sftp.DataOf(response));
}

/// <summary>
/// The live operations of one SFTP session, failed together when the session reports an error
/// or a disconnect, its channel closes, or the server stops answering: the requests' own
/// callbacks would never come.
/// </summary>
internal sealed class SessionWatch : IDisposable
{
    private readonly object _session;
    private readonly SftpInternals _sftp;
    private readonly int _noAnswerMilliseconds;
    private readonly HashSet<SftpOperation> _live = new();
    private readonly EventHandler<ExceptionEventArgs> _onError;
    private readonly EventHandler<EventArgs> _onDisconnect;
    private readonly Timer _check;
    private int _lastAnswer = Environment.TickCount;
    private Exception? _failure;

    /// <summary>Watches <paramref name="session"/>; dispose when its connection is closed.</summary>
    public SessionWatch(object session, SftpInternals sftp, TimeSpan noAnswerTimeout)
    {
        _session = session;
        _sftp = sftp;
        _noAnswerMilliseconds = (int)noAnswerTimeout.TotalMilliseconds;
        _onError = (_, e) => FailAll(new SshConnectionException("The SFTP connection failed: " + e.Exception.Message, Renci.SshNet.Messages.Transport.DisconnectReason.ConnectionLost));
        _onDisconnect = (_, _) => FailAll(new SshConnectionException("The SFTP connection was closed.", Renci.SshNet.Messages.Transport.DisconnectReason.ConnectionLost));
        sftp.ErrorOccurred.AddEventHandler(session, _onError);
        sftp.Disconnected.AddEventHandler(session, _onDisconnect);

        // The channel can close without either event (sftp-server ended), and a connection whose
        // peer vanished without a reset raises nothing at all: look once a second.
        _check = new Timer(_ => Check(), null, 1000, 1000);
    }

    /// <summary>The server stopped answering: the connection is taken as lost (also the public API's operation timeout).</summary>
    public static SshConnectionException NoAnswer(TimeSpan timeout, Exception? inner = null) =>
        new(string.Format(System.Globalization.CultureInfo.InvariantCulture, "The SFTP server has not answered for {0:0} seconds; the connection is taken as lost.", timeout.TotalSeconds), Renci.SshNet.Messages.Transport.DisconnectReason.ConnectionLost, inner);

    public void Add(SftpOperation operation)
    {
        Exception? failed;
        lock (_live)
        {
            failed = _failure;
            if (failed is null)
            {
                if (_live.Count == 0)
                {
                    // The clock for "no answer" starts with the first request in flight.
                    _lastAnswer = Environment.TickCount;
                }

                _live.Add(operation);
            }
        }

        if (failed is not null)
        {
            operation.Fail(failed);
        }
    }

    public void Remove(SftpOperation operation)
    {
        lock (_live)
        {
            _live.Remove(operation);
        }
    }

    /// <summary>True once the session failed (its operations were failed with it).</summary>
    public bool HasFailed
    {
        get
        {
            lock (_live)
            {
                return _failure is not null && _failure is not ObjectDisposedException;
            }
        }
    }

    /// <summary>An answer arrived: the server is alive.</summary>
    public void NoteAnswer() => Volatile.Write(ref _lastAnswer, Environment.TickCount);

    /// <summary>Stops watching; whatever is still waiting fails (its answers can no longer arrive).</summary>
    public void Dispose()
    {
        _check.Dispose();
        _sftp.ErrorOccurred.RemoveEventHandler(_session, _onError);
        _sftp.Disconnected.RemoveEventHandler(_session, _onDisconnect);
        FailAll(new ObjectDisposedException("SFTP session", "The SFTP connection was closed."));
    }

    private void Check()
    {
        // A timer callback must never throw: on a thread-pool thread that would end the process.
        try
        {
            int live;
            lock (_live)
            {
                live = _live.Count;
            }

            if (live == 0)
            {
                return;
            }

            if (!_sftp.IsOpen(_session))
            {
                FailAll(new SshConnectionException("The SFTP channel closed.", Renci.SshNet.Messages.Transport.DisconnectReason.ConnectionLost));
            }
            else if (unchecked(Environment.TickCount - Volatile.Read(ref _lastAnswer)) > _noAnswerMilliseconds)
            {
                FailAll(NoAnswer(TimeSpan.FromMilliseconds(_noAnswerMilliseconds)));
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // SSH.NET's IsOpen can throw while the session is being torn down: the channel is gone.
            FailAll(new SshConnectionException("The SFTP channel closed.", Renci.SshNet.Messages.Transport.DisconnectReason.ConnectionLost, ex));
        }
    }

    private void FailAll(Exception error)
    {
        List<SftpOperation> failing;
        lock (_live)
        {
            _failure ??= error;
            failing = new List<SftpOperation>(_live);
            _live.Clear();
        }

        foreach (var operation in failing)
        {
            operation.Fail(error);
        }
    }
}
