using System.Collections.Generic;

namespace HydraMigration.Transfer;

/// <summary>
/// Buffers that live as long as one SFTP connection (a write request being built, the SFTP
/// session's receive buffer), kept between transfers so the next transfer's connections reuse
/// them: each is larger than 85,000 bytes, and a fresh one per connection was Large Object
/// Heap garbage that only a gen2 collection frees.
/// </summary>
/// <remarks>
/// Measured (copy benchmark, 256 MiB up and down × 10, one worker): every upload left 2 write
/// requests of 128 KB behind, every download 2 receive buffers grown to 64, 128 and 256 KB; the
/// worker's peak RSS climbed about 3 MB a round pair, from 141 to 175 MB, as that garbage waited
/// for a rare gen2.
/// </remarks>
internal sealed class SpareBuffers
{
    private readonly Stack<byte[]> _spare = new();
    private readonly int _keep;

    public SpareBuffers(int size, int keep)
    {
        Size = size;
        _keep = keep;
    }

    /// <summary>Write requests of <see cref="PipelinedSftp.LargeRequest"/> bytes and their header (a handle of up to 400 bytes).</summary>
    public static SpareBuffers WriteRequests { get; } = new(PipelinedSftp.LargeRequest + 512, KeptPerKind);

    /// <summary>
    /// Receive buffers for SFTP sessions: an answer of <see cref="PipelinedSftp.LargeRequest"/> bytes
    /// reassembled while the next channel packet (32 KB) arrives, with room to spare.
    /// </summary>
    public static SpareBuffers Receive { get; } = new(PipelinedSftp.LargeRequest + (64 * 1024), KeptPerKind);

    /// <summary>The length of every buffer here.</summary>
    public int Size { get; }

    /// <summary>As many as one transfer with the default options uses, and one more.</summary>
    private static int KeptPerKind => TransferOptions.Default.Connections + 1;

    /// <summary>A kept buffer, or a new one; its contents are not cleared.</summary>
    public byte[] Rent()
    {
        lock (_spare)
        {
            if (_spare.Count > 0)
            {
                return _spare.Pop();
            }
        }

        return new byte[Size];
    }

    /// <summary>Keeps <paramref name="buffer"/> for the next renter, or leaves it to the GC when enough are kept.</summary>
    public void Return(byte[] buffer)
    {
        if (buffer is null || buffer.Length != Size)
        {
            return;
        }

        lock (_spare)
        {
            if (_spare.Count < _keep && !_spare.Contains(buffer))
            {
                _spare.Push(buffer);
            }
        }
    }
}
