using System;
using System.Linq;
using System.Reflection;
using HydraMigration.Transfer;
using Renci.SshNet.Common;
using Renci.SshNet.Security.Cryptography;
using Renci.SshNet.Security.Cryptography.Ciphers;

namespace HydraMigration.Tests.Transfer;

/// <summary>Our AES-GCM must be byte for byte SSH.NET's (and so OpenSSH's) aes*-gcm@openssh.com.</summary>
public sealed class AesGcmPacketCipherTests
{
    [Theory]
    [InlineData(16)]
    [InlineData(32)]
    public void ItSealsAndOpensPacketsExactlyAsSshNetsGcmDoes(int keyBytes)
    {
        Assert.True(AesGcmPacketCipher.IsAvailable, "the .NET the tests run on has AesGcm; PowerShell 7 users get it too");
        var random = new Random(keyBytes);
        var key = new byte[keyBytes];
        random.NextBytes(key);

        // A derived IV longer than the nonce, with the invocation counter about to carry.
        var iv = new byte[20];
        random.NextBytes(iv);
        iv[8] = iv[9] = iv[10] = iv[11] = 0xff;
        var theirs = SshNetGcm(key, iv);
        using var ours = new AesGcmPacketCipher(key, iv);
        using var oursBack = new AesGcmPacketCipher(key, iv);

        foreach (var plaintextLength in new[] { 16, 32, 1024, 32768 + 16, 64, 16 })
        {
            // As SSH.NET's session lays a packet out: [sequence][length][plaintext][room for the tag].
            var packet = new byte[4 + 4 + plaintextLength + 16];
            random.NextBytes(packet.AsSpan(0, 8 + plaintextLength));
            var plain = (byte[])packet.Clone();

            var expected = new byte[4 + plaintextLength + 16];
            Assert.Equal(expected.Length, theirs.Encrypt(plain, 4, 4 + plaintextLength, expected, 0));

            Assert.Equal(expected.Length, ours.Encrypt(packet, 4, 4 + plaintextLength, packet, 4));
            Assert.Equal(expected, packet.Skip(4).ToArray());
            Assert.Equal(plain.Take(8), packet.Take(8)); // sequence number and length stay in clear

            // Receiving: the length is read first (returned as it is), then the packet opened in place.
            Assert.Equal(plain.Skip(4).Take(4), oursBack.Decrypt(packet, 4, 4));
            Assert.Equal(plaintextLength, oursBack.Decrypt(packet, 8, plaintextLength, packet, 8));
            Assert.Equal(plain.Skip(8).Take(plaintextLength), packet.Skip(8).Take(plaintextLength));
        }
    }

    [Fact]
    public void ATamperedPacketIsAMacErrorNotPlaintext()
    {
        var key = new byte[16];
        var iv = new byte[12];
        using var sender = new AesGcmPacketCipher(key, iv);
        using var receiver = new AesGcmPacketCipher(key, iv);
        var packet = new byte[4 + 4 + 32 + 16];
        packet[7] = 32;
        _ = sender.Encrypt(packet, 4, 36, packet, 4);
        packet[20] ^= 1;

        var error = Assert.Throws<SshConnectionException>(() => receiver.Decrypt(packet, 8, 32, packet, 8));
        Assert.Equal(Renci.SshNet.Messages.Transport.DisconnectReason.MacError, error.DisconnectReason);
    }

    /// <summary>SSH.NET's own aes-gcm (internal; its BouncyCastle build) as the reference.</summary>
    private static Cipher SshNetGcm(byte[] key, byte[] iv)
    {
        var type = typeof(AesCipher).Assembly.GetType("Renci.SshNet.Security.Cryptography.Ciphers.AesGcmCipher", throwOnError: true)!;
        return (Cipher)Activator.CreateInstance(type, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, null, new object[] { key, (byte[])iv.Clone(), 4 }, null)!;
    }
}
