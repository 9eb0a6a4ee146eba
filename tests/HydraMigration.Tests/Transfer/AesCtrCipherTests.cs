using System;
using System.Linq;
using HydraMigration.Transfer;
using Renci.SshNet.Security.Cryptography.Ciphers;

namespace HydraMigration.Tests.Transfer;

/// <summary>Our AES-CTR must be byte for byte SSH.NET's (and so OpenSSH's) aes*-ctr.</summary>
public sealed class AesCtrCipherTests
{
    [Theory]
    [InlineData(16)]
    [InlineData(24)]
    [InlineData(32)]
    public void ItMatchesSshNetsAesCtrAcrossPacketsOfEverySize(int keyBytes)
    {
        var random = new Random(keyBytes);
        var key = new byte[keyBytes];
        random.NextBytes(key);

        // An IV whose low half is about to wrap, so the carry into the high half is exercised.
        var iv = Enumerable.Repeat((byte)0xff, 16).ToArray();
        iv[0] = 0x12;
        iv[15] = 0xf0;
        using var ours = new AesCtrCipher(key, iv);
        var theirs = new AesCipher(key, (byte[])iv.Clone(), AesCipherMode.CTR, pkcs7Padding: false);
        using var oursBack = new AesCtrCipher(key, iv);

        // Packet-like lengths, in place (as SSH.NET's session calls it), plus a batch larger than ours.
        foreach (var length in new[] { 16, 32, 48, 1024, 32768 + 48, 16, 200000, 64, 7 })
        {
            var plain = new byte[length + 10];
            random.NextBytes(plain);
            var expected = theirs.Encrypt(plain, 5, length);

            var buffer = (byte[])plain.Clone();
            Assert.Equal(length, ours.Encrypt(buffer, 5, length, buffer, 5));
            Assert.Equal(expected, buffer.Skip(5).Take(length).ToArray());
            Assert.Equal(plain.Take(5), buffer.Take(5));
            Assert.Equal(plain.Skip(5 + length), buffer.Skip(5 + length));

            Assert.Equal(plain.Skip(5).Take(length), oursBack.Decrypt(buffer, 5, length));
        }
    }
}
