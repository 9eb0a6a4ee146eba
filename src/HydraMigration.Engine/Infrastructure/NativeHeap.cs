using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace HydraMigration;

/// <summary>
/// Gives the C library's free heap pages back to the system after a copy (glibc on Linux).
/// </summary>
/// <remarks>
/// An SSH copy's ciphers and hashes (OpenSSL, through the runtime) and the runtime's own JIT
/// allocate and free native memory on many threads. glibc keeps what they free in its
/// per-thread arenas for reuse, and rarely returns it, so a long-lived process such as a pwsh
/// session or a runbook's worker grows a few MB with each copy. malloc_trim(0) returns those
/// free pages and changes nothing else: no allocation moves, no garbage collection is forced.
/// Measured with CopyBenchmark, whose worker is a hosted PowerShell with the module: its peak
/// RSS over 11 copies of 1 GiB was 141.2 MB against 168.2 MB without trimming, in the same
/// rounds (docs/TRANSFER.md). CopyService calls it every 2 s of a file's transfer and once at
/// the end of each copy, a few milliseconds each time. Where there is no glibc (Windows, macOS,
/// musl), it does nothing.
/// </remarks>
internal static class NativeHeap
{
    private static int _unavailable;

    /// <summary>False turns trimming off (the copy benchmark's variant that measures without it).</summary>
    internal static bool Enabled { get; set; } = true;

    /// <summary>Returns the free pages of glibc's heap to the system; a no-op elsewhere.</summary>
    public static void ReturnFreePages()
    {
        if (!Enabled || Volatile.Read(ref _unavailable) != 0 || !RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
        {
            return;
        }

        try
        {
            _ = NativeMethods.malloc_trim(UIntPtr.Zero);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (musl has no malloc_trim): nothing to give back this way.
            Volatile.Write(ref _unavailable, 1);
        }
    }

    private static class NativeMethods
    {
        // "libc" is the runtime's own name for the C library on Linux (libc.so.6 on glibc).
        [DllImport("libc", ExactSpelling = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int malloc_trim(UIntPtr pad);
    }
}
