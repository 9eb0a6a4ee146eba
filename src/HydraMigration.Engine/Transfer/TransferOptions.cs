using System;

namespace HydraMigration.Transfer;

/// <summary>How a transfer spreads over connections and requests. The defaults are the measured best; tests shrink them.</summary>
internal sealed class TransferOptions
{
    /// <summary>The defaults (see <see cref="SftpFileTransfer"/> for the measurements behind them).</summary>
    public static TransferOptions Default { get; } = new();

    /// <summary>SSH connections, each with its own cipher stream, receive thread and sshd process.</summary>
    public int Connections { get; set; } = 2;

    /// <summary>Open SFTP handles per connection: a download runs a fetch loop on each; an upload writes through one of them (with pipelined requests one sender keeps any number in flight).</summary>
    public int StreamsPerConnection { get; set; } = 4;

    /// <summary>
    /// How long requests may wait with no answer at all from the server before the connection
    /// is taken as lost: a peer that vanished without a reset raises no error in SSH.NET.
    /// </summary>
    public TimeSpan NoAnswerTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Bytes per chunk: one read of the local file, one hash update, one run of SFTP requests.</summary>
    public int ChunkSize { get; set; } = 256 * 1024;

    /// <summary>
    /// Upload: chunks between the contiguous acknowledged prefix and the furthest chunk sent, which
    /// bounds how far past a partial file's contiguous part writes can reach.
    /// </summary>
    public int Window { get; set; } = 48;

    /// <summary>
    /// Chunk buffers a transfer holds at once (ChunkSize × this is its memory): two per handle, one
    /// on the wire and one waiting (upload) or waiting for its turn to be written (download, where
    /// this is also the window). Measured, 1 GiB × 2 rounds interleaved with scp (medians, the
    /// quieter runs): with 16 buffers downloads 0.62-0.74× of scp and uploads 0.54-0.60×, with 48
    /// (one per chunk in the window, as before) 0.65-0.81× and 0.56-0.60×: the same within the noise.
    /// </summary>
    public int BuffersInMemory => Math.Min(Window, 2 * Connections * StreamsPerConnection);

    /// <summary>Bytes a partial upload may hold past its contiguous prefix (see <see cref="SftpFileTransfer.SafeResumeOffset"/>).</summary>
    public long MaxBytesAhead => (long)ChunkSize * Window;

    internal void Validate()
    {
        if (Connections < 1 || StreamsPerConnection < 1 || ChunkSize < 4096 || Window < Connections * StreamsPerConnection)
        {
            throw new ArgumentOutOfRangeException(nameof(Window), "A transfer needs at least one connection and stream, chunks of 4 KB or more, and a window no smaller than the number of streams.");
        }
    }
}
