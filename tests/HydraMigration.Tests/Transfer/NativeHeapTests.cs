using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;

namespace HydraMigration.Tests.Transfer;

/// <summary>What a copy frees natively goes back to the system (glibc's malloc_trim), not kept by the process.</summary>
public sealed class NativeHeapTests
{
    private const int BlockBytes = 64 * 1024;

    [Fact]
    public void FreedNativeMemoryIsGivenBackToTheSystem()
    {
        Assert.True(OperatingSystem.IsLinux(), "these tests run on Linux, where glibc keeps freed heap memory");
        long kept = 0, afterTrim = 0;

        // On a thread of its own, as a copy's crypto runs on thread-pool threads with their own arenas.
        var thread = new Thread(() =>
        {
            // 32 MB in 64 KB blocks (under glibc's mmap threshold, so they come from the heap),
            // every page written so it is resident, each followed by a small block that stays
            // allocated: freed, they cannot merge into the heap's top, which free() would give
            // back by itself. Measured in the memory mappings that hold the blocks only: the
            // rest of the test process comes and goes.
            var blocks = new List<IntPtr>();
            var pins = new List<IntPtr>();
            for (var i = 0; i < 512; i++)
            {
                blocks.Add(Marshal.AllocHGlobal(BlockBytes));
                pins.Add(Marshal.AllocHGlobal(4096));
            }

            foreach (var block in blocks)
            {
                for (var offset = 0; offset < BlockBytes; offset += 4096)
                {
                    Marshal.WriteByte(block, offset, 1);
                }
            }

            var addresses = blocks.Select(b => (ulong)b.ToInt64()).ToList();
            blocks.ForEach(Marshal.FreeHGlobal);
            kept = ResidentBytesOfMappingsHolding(addresses);
            NativeHeap.ReturnFreePages();
            afterTrim = ResidentBytesOfMappingsHolding(addresses);
            pins.ForEach(Marshal.FreeHGlobal);
        });
        thread.Start();
        thread.Join();

        Assert.True(kept >= 24L << 20, $"free() gave the blocks back by itself ({kept >> 20} MB resident): nothing left to show");
        Assert.True(kept - afterTrim >= 24L << 20, $"resident in the heap's mappings before the trim {kept >> 20} MB, after {afterTrim >> 20} MB: the freed 32 MB were not given back");
    }

    /// <summary>The resident bytes (smaps' Rss) of the mappings that contain any of <paramref name="addresses"/>.</summary>
    private static long ResidentBytesOfMappingsHolding(IReadOnlyCollection<ulong> addresses)
    {
        long total = 0;
        var counting = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            var dash = line.IndexOf('-', StringComparison.Ordinal);
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (dash > 0 && space > dash && ulong.TryParse(line.AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var start)
                && ulong.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var end))
            {
                counting = addresses.Any(a => a >= start && a < end);
            }
            else if (counting && line.StartsWith("Rss:", StringComparison.Ordinal))
            {
                total += long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return total;
    }
}
