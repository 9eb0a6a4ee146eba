using System;
using System.Buffers;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace HydraMigration.Transfer;

/// <summary>
/// The chunk buffers of one transfer: made when first needed, reused, never more than
/// <see cref="Capacity"/> of them; a renter waits while all are out.
/// </summary>
/// <remarks>
/// Not ArrayPool&lt;byte&gt;.Shared: its arrays sit in per-thread and per-core slots, and the threads
/// that return chunks (SSH.NET's receive loops, the senders, pool threads) come and go with each
/// transfer, so it lost some 256 KB arrays per GiB and Rent made new ones on the Large Object Heap,
/// garbage that only a gen2 collection frees. Here the bound is exact, so a transfer uses the pool
/// as its limit on chunks in memory; between transfers the buffers wait in one small pool of
/// their own (<see cref="Kept"/>), so consecutive copies reuse them instead of leaving garbage.
/// </remarks>
internal sealed class ChunkBufferPool : IDisposable
{
    /// <summary>Buffers between transfers: as many of each size as one transfer with the default options uses.</summary>
    private static readonly ArrayPool<byte> Kept = ArrayPool<byte>.Create(1 << 20, TransferOptions.Default.BuffersInMemory);

    private readonly Stack<byte[]> _free = new();
    private readonly SemaphoreSlim _available;
    private int _created;

    public ChunkBufferPool(int bufferSize, int capacity)
    {
        if (bufferSize < 1 || capacity < 1)
        {
            throw new ArgumentOutOfRangeException(bufferSize < 1 ? nameof(bufferSize) : nameof(capacity));
        }

        BufferSize = bufferSize;
        Capacity = capacity;
        _available = new SemaphoreSlim(capacity, capacity);
    }

    public int BufferSize { get; }

    /// <summary>The most buffers this pool will ever make.</summary>
    public int Capacity { get; }

    /// <summary>How many buffers it has made so far.</summary>
    public int Created => Volatile.Read(ref _created);

    /// <summary>A buffer of <see cref="BufferSize"/> bytes, once fewer than <see cref="Capacity"/> are out.</summary>
    public async Task<byte[]> RentAsync(CancellationToken cancellationToken)
    {
        await _available.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_free)
        {
            if (_free.Count > 0)
            {
                return _free.Pop();
            }

            // Every buffer made so far is out, each with its renter's permit: this one stays within Capacity.
            _created++;
        }

        return Kept.Rent(BufferSize);
    }

    /// <summary>Gives back a buffer from <see cref="RentAsync"/>; its contents are not cleared.</summary>
    public void Return(byte[] buffer)
    {
        if (buffer is null || buffer.Length < BufferSize)
        {
            throw new ArgumentException("Not a buffer of this pool.", nameof(buffer));
        }

        lock (_free)
        {
            if (_free.Count >= Created)
            {
                throw new InvalidOperationException("More buffers returned than rented.");
            }

            _free.Push(buffer);
        }

        // After the push: whoever this permit wakes finds the buffer.
        _available.Release();
    }

    /// <summary>Hands the buffers back to the pool kept between transfers (any still out are left to the GC).</summary>
    public void Dispose()
    {
        lock (_free)
        {
            while (_free.Count > 0)
            {
                Kept.Return(_free.Pop());
            }
        }

        _available.Dispose();
    }
}
