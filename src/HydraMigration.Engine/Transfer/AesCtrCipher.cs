using System;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Renci.SshNet.Security.Cryptography;

namespace HydraMigration.Transfer;

/// <summary>
/// aes*-ctr for SSH.NET without per-packet allocations: the BCL's AES (OpenSSL, AES-NI)
/// encrypts a whole packet's counter blocks in one ECB call into a reused buffer, and the
/// keystream is XORed into the packet in place, a vector at a time.
/// </summary>
/// <remarks>
/// SSH.NET's netstandard2.0 AES-CTR allocates a counter array, two word arrays and the result
/// for every packet and copies the packet four times; at 300 MB/s that is gigabytes of garbage
/// per transfer and a large share of the client's CPU. SSH.NET's session calls the five-argument
/// <see cref="Encrypt(byte[], int, int, byte[], int)"/> / <see cref="Decrypt(byte[], int, int, byte[], int)"/>
/// (in place) for packets and the three-argument form only for a packet's first block, so those
/// are the paths made cheap. Semantics match SSH.NET's (RFC 4344): one counter per 16-byte block,
/// the counter a 128-bit big-endian integer, each call starting on a fresh block.
/// One instance serves one direction of one connection; SSH.NET calls it under its send lock or
/// from its single receive loop, so it needs no locking.
/// </remarks>
internal sealed class AesCtrCipher : Cipher, IDisposable
{
    private const int BlockSize = 16;

    /// <summary>Counter blocks per ECB call: 32 KB covers OpenSSH's usual packet in one call.</summary>
    private const int BlocksPerBatch = 2048;

    private readonly Aes _aes;
    private readonly ICryptoTransform _encryptor;
    private readonly byte[] _counters = new byte[BlocksPerBatch * BlockSize];
    private readonly byte[] _keystream = new byte[BlocksPerBatch * BlockSize];

    // The 128-bit counter as two host-order halves.
    private ulong _high;
    private ulong _low;

    public AesCtrCipher(byte[] key, byte[] iv)
    {
        if (key is null)
        {
            throw new ArgumentNullException(nameof(key));
        }

        if (iv is null || iv.Length < BlockSize)
        {
            throw new ArgumentException("AES-CTR needs a 16-byte IV.", nameof(iv));
        }

        _aes = Aes.Create();
        _aes.Mode = System.Security.Cryptography.CipherMode.ECB;
        _aes.Padding = PaddingMode.None;
        _aes.Key = key;
        _encryptor = _aes.CreateEncryptor();
        _high = BinaryPrimitives.ReadUInt64BigEndian(iv.AsSpan(0, 8));
        _low = BinaryPrimitives.ReadUInt64BigEndian(iv.AsSpan(8, 8));
    }

    /// <inheritdoc/>
    public override byte MinimumSize => BlockSize;

    /// <inheritdoc/>
    public override byte[] Encrypt(byte[] input, int offset, int length)
    {
        var output = new byte[length];
        Transform(input, offset, length, output, 0);
        return output;
    }

    /// <inheritdoc/>
    public override int Encrypt(byte[] input, int offset, int length, byte[] output, int outputOffset)
    {
        Transform(input, offset, length, output, outputOffset);
        return length;
    }

    /// <inheritdoc/>
    public override byte[] Decrypt(byte[] input, int offset, int length) => Encrypt(input, offset, length);

    /// <inheritdoc/>
    public override int Decrypt(byte[] input, int offset, int length, byte[] output, int outputOffset) => Encrypt(input, offset, length, output, outputOffset);

    public void Dispose()
    {
        _encryptor.Dispose();
        _aes.Dispose();
    }

    private void Transform(byte[] input, int offset, int length, byte[] output, int outputOffset)
    {
        if (input is null)
        {
            throw new ArgumentNullException(nameof(input));
        }

        if (output is null)
        {
            throw new ArgumentNullException(nameof(output));
        }

        var source = input.AsSpan(offset, length);
        var target = output.AsSpan(outputOffset, length);
        while (source.Length > 0)
        {
            var bytes = Math.Min(source.Length, _keystream.Length);
            var blocks = (bytes + BlockSize - 1) / BlockSize;
            FillCounters(blocks);
            _ = _encryptor.TransformBlock(_counters, 0, blocks * BlockSize, _keystream, 0);
            Xor(source.Slice(0, bytes), _keystream.AsSpan(0, bytes), target.Slice(0, bytes));
            source = source.Slice(bytes);
            target = target.Slice(bytes);
        }
    }

    /// <summary>Writes the next <paramref name="blocks"/> counter values (big-endian) and advances the counter past them.</summary>
    private void FillCounters(int blocks)
    {
        var span = _counters.AsSpan();
        var high = _high;
        var low = _low;
        for (var i = 0; i < blocks; i++)
        {
            BinaryPrimitives.WriteUInt64BigEndian(span.Slice(i * BlockSize, 8), high);
            BinaryPrimitives.WriteUInt64BigEndian(span.Slice((i * BlockSize) + 8, 8), low);
            low++;
            if (low == 0)
            {
                high++;
            }
        }

        _high = high;
        _low = low;
    }

    /// <summary>target = source XOR keystream; source and target may be the same memory.</summary>
    private static void Xor(ReadOnlySpan<byte> source, ReadOnlySpan<byte> keystream, Span<byte> target)
    {
        var done = 0;
        if (Vector.IsHardwareAccelerated && source.Length >= Vector<byte>.Count)
        {
            var vectors = source.Length / Vector<byte>.Count;
            var s = MemoryMarshal.Cast<byte, Vector<byte>>(source.Slice(0, vectors * Vector<byte>.Count));
            var k = MemoryMarshal.Cast<byte, Vector<byte>>(keystream.Slice(0, vectors * Vector<byte>.Count));
            var t = MemoryMarshal.Cast<byte, Vector<byte>>(target.Slice(0, vectors * Vector<byte>.Count));
            for (var i = 0; i < s.Length; i++)
            {
                t[i] = s[i] ^ k[i];
            }

            done = vectors * Vector<byte>.Count;
        }

        var words = (source.Length - done) / 8;
        if (words > 0)
        {
            var s = MemoryMarshal.Cast<byte, ulong>(source.Slice(done, words * 8));
            var k = MemoryMarshal.Cast<byte, ulong>(keystream.Slice(done, words * 8));
            var t = MemoryMarshal.Cast<byte, ulong>(target.Slice(done, words * 8));
            for (var i = 0; i < s.Length; i++)
            {
                t[i] = s[i] ^ k[i];
            }

            done += words * 8;
        }

        for (; done < source.Length; done++)
        {
            target[done] = (byte)(source[done] ^ keystream[done]);
        }
    }
}
