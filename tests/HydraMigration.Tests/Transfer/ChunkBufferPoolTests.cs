using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Transfer;

namespace HydraMigration.Tests.Transfer;

/// <summary>The transfer's chunk buffers: never more than the capacity, and a renter waits for a return.</summary>
public sealed class ChunkBufferPoolTests
{
    [Fact]
    public async Task RentsUpToCapacityThenWaitsForAReturnAndReusesIt()
    {
        using var pool = new ChunkBufferPool(64 * 1024, 3);
        var rented = new List<byte[]>();
        for (var i = 0; i < 3; i++)
        {
            rented.Add(await pool.RentAsync(CancellationToken.None));
        }

        Assert.Equal(3, rented.Distinct().Count());
        Assert.All(rented, b => Assert.True(b.Length >= 64 * 1024));

        var fourth = pool.RentAsync(CancellationToken.None);
        await Task.Delay(100);
        Assert.False(fourth.IsCompleted);

        pool.Return(rented[1]);
        Assert.Same(rented[1], await fourth.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(3, pool.Created);
    }

    [Fact]
    public async Task ManyRentersNeverMakeMoreThanTheCapacity()
    {
        using var pool = new ChunkBufferPool(4096, 4);
        var inUse = 0;
        var mostInUse = 0;
        var renters = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 200; i++)
            {
                var buffer = await pool.RentAsync(CancellationToken.None);
                var now = Interlocked.Increment(ref inUse);
                InterlockedMax(ref mostInUse, now);
                await Task.Yield();
                Interlocked.Decrement(ref inUse);
                pool.Return(buffer);
            }
        }));

        await Task.WhenAll(renters).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.InRange(pool.Created, 1, 4);
        Assert.InRange(mostInUse, 1, 4);
    }

    [Fact]
    public async Task AWaitingRenterCanBeCancelled()
    {
        using var pool = new ChunkBufferPool(4096, 1);
        _ = await pool.RentAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource(100);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pool.RentAsync(cancel.Token));
    }

    [Fact]
    public async Task RefusesBuffersItDidNotLendAndExtraReturns()
    {
        using var pool = new ChunkBufferPool(4096, 2);
        var buffer = await pool.RentAsync(CancellationToken.None);
        Assert.Throws<ArgumentException>(() => pool.Return(new byte[100]));
        pool.Return(buffer);
        Assert.Throws<InvalidOperationException>(() => pool.Return(buffer));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
