using System;
using System.Collections.Generic;
using System.Linq;
using Renci.SshNet;

namespace HydraMigration.Transfer;

/// <summary>
/// Cipher and MAC preference for bulk transfers: SSH.NET's own algorithms, the fastest for
/// each build first, every other one kept after them so old servers still connect.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>PowerShell 7 runs the engine's net8.0 build and SSH.NET's, whose aes*-gcm@openssh.com
/// and aes*-ctr are the runtime's AES (OpenSSL or CNG, AES-NI). GCM leads: one pass encrypts
/// and authenticates, so no HMAC runs over every byte on either side.</item>
/// <item>Windows PowerShell 5.1 runs the netstandard2.0 builds, where SSH.NET's GCM is
/// BouncyCastle's managed code (about 65 MB/s): AES-CTR with the BCL's HMAC-SHA2 leads there.</item>
/// </list>
/// The module's own AES-CTR and AES-GCM packet ciphers, written when PowerShell 7 ran the
/// netstandard2.0 builds, are retired: on the net8.0 build they no longer won clearly
/// (CopyBenchmark, 512 MiB up and down × 5 rounds interleaved with scp, at load 40-80: SSH.NET's
/// own cost the copy worker 7% more client CPU, 29.4 s against 27.5 s for the same copies, and
/// the medians differed within the noise), and .NET Framework has no AesGcm at all.
/// </remarks>
internal static class SshAlgorithms
{
    private static readonly string[] GcmNames = { "aes128-gcm@openssh.com", "aes256-gcm@openssh.com" };

    private static readonly string[] CtrNames = { "aes128-ctr", "aes192-ctr", "aes256-ctr" };

#if NET
    private static readonly string[] CipherOrder = GcmNames.Concat(CtrNames).Concat(new[] { "chacha20-poly1305@openssh.com" }).ToArray();
#else
    private static readonly string[] CipherOrder = CtrNames.Concat(new[] { "chacha20-poly1305@openssh.com" }).Concat(GcmNames).ToArray();
#endif

    private static readonly string[] MacOrder =
    {
        "hmac-sha2-256-etm@openssh.com", "hmac-sha2-256",
        "hmac-sha2-512-etm@openssh.com", "hmac-sha2-512",
    };

    /// <summary>Reorders <paramref name="connectionInfo"/>'s ciphers and MACs: the fastest first, the rest kept after them.</summary>
    public static void PreferFastest(ConnectionInfo connectionInfo)
    {
        if (connectionInfo is null)
        {
            throw new ArgumentNullException(nameof(connectionInfo));
        }

        Reorder(connectionInfo.Encryptions, CipherOrder);
        Reorder(connectionInfo.HmacAlgorithms, MacOrder);
    }

    private static void Reorder<T>(IOrderedDictionary<string, T> algorithms, IEnumerable<string> preferred)
    {
        var current = algorithms.ToList();
        var first = preferred.Where(algorithms.ContainsKey).ToList();
        algorithms.Clear();
        foreach (var name in first)
        {
            algorithms.Add(name, current.First(pair => pair.Key == name).Value);
        }

        foreach (var pair in current.Where(pair => !first.Contains(pair.Key)))
        {
            algorithms.Add(pair.Key, pair.Value);
        }
    }
}
