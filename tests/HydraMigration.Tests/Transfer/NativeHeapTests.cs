using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;

namespace HydraMigration.Tests.Transfer;

/// <summary>What a copy frees natively goes back to the system (glibc's malloc_trim), not kept by the process.</summary>
public sealed class NativeHeapTests
{
    [Fact]
    public void FreedNativeMemoryIsGivenBackToTheSystem()
    {
        Assert.True(OperatingSystem.IsLinux(), "these tests run on Linux, where glibc keeps freed heap memory");
        long kept = 0, afterTrim = 0;

        // On a thread of its own, as a copy's crypto runs on thread-pool threads with their own arenas.
        var thread = new Thread(() =>
        {
            // 64 MB in 64 KB blocks (under glibc's mmap threshold, so they come from the heap),
            // every page written so it is resident; one small block after them stays allocated,
            // so free() cannot simply shrink the heap from its top.
            var blocks = Enumerable.Range(0, 1024).Select(_ => Marshal.AllocHGlobal(64 * 1024)).ToList();
            foreach (var block in blocks)
            {
                for (var offset = 0; offset < 64 * 1024; offset += 4096)
                {
                    Marshal.WriteByte(block, offset, 1);
                }
            }

            var fence = Marshal.AllocHGlobal(64);
            blocks.ForEach(Marshal.FreeHGlobal);
            kept = ResidentBytes();
            NativeHeap.ReturnFreePages();
            afterTrim = ResidentBytes();
            Marshal.FreeHGlobal(fence);
        });
        thread.Start();
        thread.Join();

        Assert.True(kept - afterTrim >= 32L << 20, $"resident before the trim {kept >> 20} MB, after {afterTrim >> 20} MB: the freed 64 MB were not given back");
    }

    private static long ResidentBytes() =>
        long.Parse(File.ReadAllLines("/proc/self/status").Single(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
}
