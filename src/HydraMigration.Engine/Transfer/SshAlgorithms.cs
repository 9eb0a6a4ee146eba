using System;
using System.Collections.Generic;
using System.Linq;
using Renci.SshNet;

namespace HydraMigration.Transfer;

/// <summary>
/// Cipher and MAC preference for bulk transfers, from measurements of the module as shipped.
/// </summary>
/// <remarks>
/// The module is netstandard2.0, so it runs SSH.NET's and BouncyCastle's netstandard2.0
/// builds even inside PowerShell 7. In those builds:
/// <list type="bullet">
/// <item>aes*-gcm@openssh.com has only SSH.NET's BouncyCastle implementation (managed AES
/// tables and GHASH, no AES-NI/PCLMUL): about 65 MB/s per connection on this machine.
/// Where the runtime has its own AES-GCM (PowerShell 7), <see cref="AesGcmPacketCipher"/>
/// replaces it: hardware AES-GCM, one pass for encryption and authentication, and no HMAC
/// over every byte on either side. That makes it the fastest, so it leads there.</item>
/// <item>chacha20-poly1305@openssh.com is managed too: about 90 MB/s.</item>
/// <item>aes*-ctr uses the BCL's AES (OpenSSL, AES-NI) on blocks of counters, and the
/// hmac-sha2-* MACs the BCL's HMAC (OpenSSL, SHA-NI): about 200-230 MB/s per connection.
/// Its netstandard2.0 CTR code allocates and copies about four packet-sized arrays per
/// packet, so <see cref="PreferFastest"/> swaps in <see cref="AesCtrCipher"/> (same
/// algorithm, no per-packet allocation). Without a runtime AES-GCM (Windows PowerShell 5.1)
/// this leads.</item>
/// </list>
/// Every other algorithm SSH.NET offers stays, after these, so old servers still connect.
/// </remarks>
internal static class SshAlgorithms
{
    private static readonly string[] GcmNames = { "aes128-gcm@openssh.com", "aes256-gcm@openssh.com" };

    private static readonly string[] CtrNames = { "aes128-ctr", "aes192-ctr", "aes256-ctr" };

    private static readonly string[] CipherOrder = AesGcmPacketCipher.IsAvailable
        ? GcmNames.Concat(CtrNames).Concat(new[] { "chacha20-poly1305@openssh.com" }).ToArray()
        : CtrNames.Concat(new[] { "chacha20-poly1305@openssh.com" }).Concat(GcmNames).ToArray();

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

        if (Environment.GetEnvironmentVariable("HYDRA_BENCH_SSHNET_CIPHERS") != "1")
        {
            UseOwnCiphers(connectionInfo.Encryptions);
        }

        Reorder(connectionInfo.Encryptions, CipherOrder);
        Reorder(connectionInfo.HmacAlgorithms, MacOrder);
    }

    /// <summary>
    /// Replaces SSH.NET's aes*-ctr with <see cref="AesCtrCipher"/> and, where the runtime has
    /// AES-GCM, its aes*-gcm with <see cref="AesGcmPacketCipher"/>: same algorithms and wire
    /// format, each entry keeping its key size.
    /// </summary>
    private static void UseOwnCiphers(IOrderedDictionary<string, CipherInfo> encryptions)
    {
        foreach (var name in CtrNames)
        {
            if (encryptions.TryGetValue(name, out var existing))
            {
                encryptions[name] = new CipherInfo(existing.KeySize, static (key, iv) => new AesCtrCipher(key, iv), isAead: false);
            }
        }

        foreach (var name in GcmNames.Where(_ => AesGcmPacketCipher.IsAvailable))
        {
            if (encryptions.TryGetValue(name, out var existing))
            {
                encryptions[name] = new CipherInfo(existing.KeySize, static (key, iv) => new AesGcmPacketCipher(key, iv), isAead: true);
            }
        }
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
