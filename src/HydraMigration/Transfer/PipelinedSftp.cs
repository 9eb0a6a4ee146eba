using System;
using System.Collections.Generic;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;
using Renci.SshNet.Sftp;

namespace HydraMigration.Transfer;

/// <summary>
/// Many SFTP requests in flight on one handle: a chunk goes out as all its SSH_FXP_WRITE (or
/// SSH_FXP_READ) requests at once, then the answers are awaited together.
/// </summary>
/// <remarks>
/// SftpFileStream sends one request and waits for its answer before the next: measured, 2
/// connections × 8 streams of it reached only 0.4-0.5× of scp, latency- and overhead-bound.
/// SSH.NET's session has the pipelined calls (RequestWriteAsync, RequestReadAsync) but keeps
/// them internal, so they are bound here by reflection against the pinned SSH.NET version;
/// when they are not found (another version), <see cref="TryCreate"/> returns null and the
/// engine uses SftpFileStream, slower but correct. The engine's tests run this path.
/// </remarks>
internal sealed class PipelinedSftp
{
    private readonly object _session;
    private readonly MethodInfo _write;
    private readonly MethodInfo _read;
    private readonly int _writeLength;
    private readonly int _readLength;

    private PipelinedSftp(object session, MethodInfo write, MethodInfo read, int writeLength, int readLength)
    {
        _session = session;
        _write = write;
        _read = read;
        _writeLength = writeLength;
        _readLength = readLength;
    }

    /// <summary>The pipelined calls of <paramref name="client"/>'s SFTP session for <paramref name="handle"/>, or null when this SSH.NET lacks them.</summary>
    public static PipelinedSftp? TryCreate(SftpClient client, byte[] handle)
    {
        try
        {
            var session = typeof(SftpClient).GetField("_sftpSession", BindingFlags.Instance | BindingFlags.NonPublic)?.GetValue(client);
            var contract = typeof(SftpClient).Assembly.GetType("Renci.SshNet.Sftp.ISftpSession");
            if (session is null || contract is null)
            {
                return null;
            }

            var write = contract.GetMethod("RequestWriteAsync", new[] { typeof(byte[]), typeof(ulong), typeof(byte[]), typeof(int), typeof(int), typeof(CancellationToken) });
            var read = contract.GetMethod("RequestReadAsync", new[] { typeof(byte[]), typeof(ulong), typeof(uint), typeof(CancellationToken) });
            var writeLength = contract.GetMethod("CalculateOptimalWriteLength", new[] { typeof(uint), typeof(byte[]) });
            var readLength = contract.GetMethod("CalculateOptimalReadLength", new[] { typeof(uint) });
            if (write is null || read is null || writeLength is null || readLength is null || !typeof(Task).IsAssignableFrom(read.ReturnType))
            {
                return null;
            }

            var maxWrite = (uint)writeLength.Invoke(session, new object[] { 1u << 20, handle })!;
            var maxRead = (uint)readLength.Invoke(session, new object[] { 1u << 20 })!;
            return new PipelinedSftp(session, write, read, (int)maxWrite, (int)maxRead);
        }
        catch (Exception ex) when (ex is TargetInvocationException or MemberAccessException or InvalidCastException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Writes <paramref name="count"/> bytes at <paramref name="offset"/> as concurrent requests; returns when all are acknowledged.</summary>
    public Task WriteAsync(byte[] handle, long offset, byte[] buffer, int count, CancellationToken cancellationToken)
    {
        var requests = new List<Task>((count / _writeLength) + 1);
        for (var done = 0; done < count; done += _writeLength)
        {
            var length = Math.Min(_writeLength, count - done);
            requests.Add(Invoke(_write, handle, (ulong)(offset + done), buffer, done, length, cancellationToken));
        }

        return Task.WhenAll(requests);
    }

    /// <summary>Reads up to <paramref name="count"/> bytes at <paramref name="offset"/> as concurrent requests; returns how many arrived before end of file.</summary>
    public async Task<int> ReadAsync(byte[] handle, long offset, byte[] buffer, int count, CancellationToken cancellationToken)
    {
        var requests = new List<(int Start, int Length, Task Reply)>((count / _readLength) + 1);
        for (var done = 0; done < count; done += _readLength)
        {
            var length = Math.Min(_readLength, count - done);
            requests.Add((done, length, Invoke(_read, handle, (ulong)(offset + done), (uint)length, cancellationToken)));
        }

        var filled = 0;
        foreach (var (start, length, reply) in requests)
        {
            await reply.ConfigureAwait(false);
            var got = CopyOut(reply, buffer, start);
            if (filled != start)
            {
                continue; // after a short read everything further is past the end
            }

            filled += got;
            if (got < length)
            {
                // A short answer: the server may split a read; ask again for the rest, one at a time.
                while (filled < start + length)
                {
                    var more = Invoke(_read, handle, (ulong)(offset + filled), (uint)(start + length - filled), cancellationToken);
                    await more.ConfigureAwait(false);
                    var extra = CopyOut(more, buffer, filled);
                    if (extra == 0)
                    {
                        return filled;
                    }

                    filled += extra;
                }
            }
        }

        return filled;
    }

    private Task Invoke(MethodInfo method, params object[] arguments)
    {
        try
        {
            return (Task)method.Invoke(_session, arguments)!;
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            return Task.FromException(ex.InnerException);
        }
    }

    /// <summary>Copies a read's answer (SSH.NET's ReadOnlyMemoryOwner, or a byte[]) into <paramref name="buffer"/>, returns its length and releases it.</summary>
    private static int CopyOut(Task reply, byte[] buffer, int at)
    {
        var result = reply.GetType().GetProperty("Result")!.GetValue(reply);
        switch (result)
        {
            case null:
                return 0;
            case byte[] bytes:
                Buffer.BlockCopy(bytes, 0, buffer, at, bytes.Length);
                return bytes.Length;
            case System.Buffers.IMemoryOwner<byte> owner:
                using (owner)
                {
                    // SSH.NET's ReadOnlyMemoryOwner: Memory spans exactly the data (pooled; released by Dispose).
                    var data = owner.Memory.Span;
                    data.CopyTo(new Span<byte>(buffer, at, data.Length));
                    return data.Length;
                }

            default:
                throw new InvalidOperationException("Unexpected SFTP read result " + result.GetType().FullName + ".");
        }
    }
}
