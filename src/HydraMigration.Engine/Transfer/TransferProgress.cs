using System.Threading;

namespace HydraMigration.Transfer;

/// <summary>
/// Bytes moved so far, written by the transfer's worker threads (Interlocked) and read by
/// the cmdlet on the pipeline thread, which alone writes progress records. Counts file
/// positions: a resumed transfer starts at its offset, so the percentage is of the file.
/// </summary>
internal sealed class TransferProgress
{
    private long _bytesTransferred;
    private long _totalBytes = -1;

    /// <summary>Bytes of the file that are through (sent and acknowledged, or received and written).</summary>
    public long BytesTransferred => Interlocked.Read(ref _bytesTransferred);

    /// <summary>The file's size, or -1 until the transfer has learned it.</summary>
    public long TotalBytes => Interlocked.Read(ref _totalBytes);

    internal void Start(long offset, long total)
    {
        Interlocked.Exchange(ref _totalBytes, total);
        Interlocked.Exchange(ref _bytesTransferred, offset);
    }

    internal void Add(long bytes) => Interlocked.Add(ref _bytesTransferred, bytes);
}
