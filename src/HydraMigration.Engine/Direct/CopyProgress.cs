using System;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using HydraMigration.Infrastructure;

namespace HydraMigration.Direct;

/// <summary>
/// The data phase's progress, shared by the workers (they add, the reporter loop reads): the
/// percentage is by the tables' catalog sizes — a finished item counts its whole share, one in
/// flight what it has streamed, up to its share — and the throughput is the bytes streamed.
/// </summary>
internal sealed class CopyProgress
{
    private readonly long _totalBytes;
    private readonly int _totalItems;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _doneBytes;
    private long _inFlightBytes;
    private long _streamed;
    private int _doneItems;

    public CopyProgress(long totalBytes, int totalItems)
    {
        _totalBytes = Math.Max(1, totalBytes);
        _totalItems = totalItems;
    }

    public long StreamedBytes => Interlocked.Read(ref _streamed);

    public void AddStreamed(long bytes, long itemShare, long itemStreamedBefore)
    {
        Interlocked.Add(ref _streamed, bytes);
        var counted = Math.Min(itemShare, itemStreamedBefore + bytes) - Math.Min(itemShare, itemStreamedBefore);
        Interlocked.Add(ref _inFlightBytes, counted);
    }

    public void ItemDone(long itemShare, long itemStreamed)
    {
        Interlocked.Add(ref _inFlightBytes, -Math.Min(itemShare, itemStreamed));
        Interlocked.Add(ref _doneBytes, itemShare);
        Interlocked.Increment(ref _doneItems);
    }

    public OperationProgress Report(string current)
    {
        var done = Interlocked.Read(ref _doneBytes) + Interlocked.Read(ref _inFlightBytes);
        var percent = (int)Math.Min(99, done * 100 / _totalBytes);
        var seconds = _clock.Elapsed.TotalSeconds;
        var rate = seconds > 0 ? done / seconds : 0;
        TimeSpan? left = rate > 0 ? TimeSpan.FromSeconds((_totalBytes - done) / rate) : null;
        var status = string.Format(CultureInfo.InvariantCulture, "Copying rows: {0} of {1} tables done, {2} of {3}, streaming {4}", Volatile.Read(ref _doneItems), _totalItems, Units.Bytes(done), Units.Bytes(_totalBytes), Units.Rate(StreamedBytes, seconds));
        return new OperationProgress(status, percent, current, left);
    }
}
