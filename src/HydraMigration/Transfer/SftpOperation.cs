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
    private readonly CancellationTokenRegistration _cancellation;
    private int _remaining;
    private bool _finished;

    public SftpOperation(SftpInternals sftp, SessionWatch watch, int requests, CancellationToken cancellationToken)
    {
        _sftp = sftp;
        _watch = watch;
        _remaining = requests;
        StatusCallback = SftpInternals.Callback(sftp.StatusResponseType, this, OnStatusMethod);
        if (requests == 0)
        {
            // Nothing to send, so no answer will ever complete it.
            _finished = true;
            _done.TrySetResult(true);
            return;
        }

        _cancellation = cancellationToken.Register(() => Fail(new OperationCanceledException(cancellationToken)));
        watch.Add(this);
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
        if (code == StatusOk || code == StatusEof)
        {
            // A write's acknowledgement, or a read at end of file (Received stays 0).
            Answered();
            return;
        }

        var message = _sftp.ErrorMessageOf(response) ?? "status " + code;
        Fail(code switch
        {
            StatusNoSuchFile => new SftpPathNotFoundException(message),
            StatusPermissionDenied => new SftpPermissionDeniedException(message),
            _ => new SshException("The SFTP server refused a request: " + message),
        });
    }

    private void Answered()
    {
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

        // Dispose, not Unregister: a cancellation callback running right now is waited for,
        // unless this is it (Dispose from inside the callback returns at once).
        _cancellation.Dispose();
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
/// or a disconnect, or its channel closes: the requests' own callbacks would never come.
/// </summary>
internal sealed class SessionWatch : IDisposable
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, SessionWatch> Watches = new();

    private readonly object _session;
    private readonly SftpInternals _sftp;
    private readonly HashSet<SftpOperation> _live = new();
    private readonly EventHandler<ExceptionEventArgs> _onError;
    private readonly EventHandler<EventArgs> _onDisconnect;
    private readonly Timer _channelCheck;
    private Exception? _failure;

    private SessionWatch(object session, SftpInternals sftp)
    {
        _session = session;
        _sftp = sftp;
        _onError = (_, e) => FailAll(new SshConnectionException("The SFTP connection failed: " + e.Exception.Message, Renci.SshNet.Messages.Transport.DisconnectReason.ConnectionLost));
        _onDisconnect = (_, _) => FailAll(new SshConnectionException("The SFTP connection was closed.", Renci.SshNet.Messages.Transport.DisconnectReason.ConnectionLost));
        sftp.ErrorOccurred.AddEventHandler(session, _onError);
        sftp.Disconnected.AddEventHandler(session, _onDisconnect);

        // The channel can close without either event (sftp-server ended): look once a second.
        _channelCheck = new Timer(_ => CheckChannel(), null, 1000, 1000);
    }

    /// <summary>The watch of <paramref name="session"/>, created on first use.</summary>
    public static SessionWatch For(object session, SftpInternals sftp) => Watches.GetValue(session, s => new SessionWatch(s, sftp));

    /// <summary>Stops watching <paramref name="session"/> (its connection is being closed).</summary>
    public static void Release(object session)
    {
        if (Watches.TryGetValue(session, out var watch))
        {
            watch.Dispose();
        }
    }

    public void Add(SftpOperation operation)
    {
        Exception? failed;
        lock (_live)
        {
            failed = _failure;
            if (failed is null)
            {
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

    public void Dispose()
    {
        _channelCheck.Dispose();
        _sftp.ErrorOccurred.RemoveEventHandler(_session, _onError);
        _sftp.Disconnected.RemoveEventHandler(_session, _onDisconnect);
        Watches.Remove(_session);
    }

    private void CheckChannel()
    {
        bool any;
        lock (_live)
        {
            any = _live.Count > 0;
        }

        if (any && !_sftp.IsOpen(_session))
        {
            FailAll(new SshConnectionException("The SFTP channel closed.", Renci.SshNet.Messages.Transport.DisconnectReason.ConnectionLost));
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
