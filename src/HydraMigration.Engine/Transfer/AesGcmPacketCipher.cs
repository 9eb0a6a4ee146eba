using System;
using System.Buffers.Binary;
using System.Reflection;
using System.Security.Cryptography;
using Renci.SshNet.Common;
using Renci.SshNet.Messages.Transport;
using Renci.SshNet.Security.Cryptography;

namespace HydraMigration.Transfer;

/// <summary>
/// aes128-gcm@openssh.com / aes256-gcm@openssh.com (RFC 5647 as OpenSSH speaks it) on the
/// runtime's own AES-GCM, which is OpenSSL or Windows CNG with AES-NI and carry-less multiply.
/// </summary>
/// <remarks>
/// The module is netstandard2.0, so SSH.NET's GCM is its BouncyCastle build: managed AES and
/// GHASH, about 65 MB/s. PowerShell 7 runs on a .NET that has
/// System.Security.Cryptography.AesGcm; it is bound here at run time (it is not in
/// netstandard2.0) and its span methods are called through delegates, in place, without
/// allocating. On Windows PowerShell 5.1 the type does not exist and <see cref="IsAvailable"/>
/// is false: SSH.NET's own algorithms are used there.
///
/// GCM authenticates and encrypts in one pass, so no separate HMAC-SHA2 runs over every byte —
/// on this side or on sshd's, which is why it beats AES-CTR with HMAC for bulk copies.
///
/// Wire format: the 4-byte packet length stays in clear and is the associated data; the rest of
/// the packet is encrypted; a 16-byte tag follows. The 12-byte nonce is 4 fixed bytes and a
/// 64-bit big-endian counter from the derived IV, incremented after every packet.
/// One instance serves one direction of one connection; SSH.NET calls it under its send lock or
/// from its single receive loop, so it needs no locking.
/// </remarks>
internal sealed class AesGcmPacketCipher : Cipher, IDisposable
{
    private const int TagLength = 16;
    private const int LengthField = 4;
    private const int NonceLength = 12;

    private static readonly Lazy<RuntimeAesGcm?> Runtime = new(RuntimeAesGcm.Find);

    private readonly byte[] _nonce = new byte[NonceLength];
    private readonly IDisposable _aesGcm;
    private readonly SealMethod _seal;
    private readonly OpenMethod _open;

    public AesGcmPacketCipher(byte[] key, byte[] iv)
    {
        if (key is null)
        {
            throw new ArgumentNullException(nameof(key));
        }

        if (iv is null || iv.Length < NonceLength)
        {
            throw new ArgumentException("AES-GCM needs a 12-byte IV.", nameof(iv));
        }

        var runtime = Runtime.Value ?? throw new PlatformNotSupportedException("This .NET has no System.Security.Cryptography.AesGcm.");
        Buffer.BlockCopy(iv, 0, _nonce, 0, NonceLength);
        (_aesGcm, _seal, _open) = runtime.Create(key);
    }

    private delegate void SealMethod(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> associatedData);

    private delegate void OpenMethod(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData);

    /// <summary>True when the runtime has a usable AES-GCM (PowerShell 7 on Windows, Linux and macOS).</summary>
    public static bool IsAvailable => Runtime.Value is not null;

    /// <inheritdoc/>
    public override byte MinimumSize => 16;

    /// <inheritdoc/>
    public override int TagSize => TagLength;

    /// <summary>
    /// Seals one packet. SSH.NET passes it from the length field on: [length][plaintext], and
    /// expects [length][ciphertext][tag] in <paramref name="output"/>.
    /// </summary>
    public override int Encrypt(byte[] input, int offset, int length, byte[] output, int outputOffset)
    {
        var associatedData = new ReadOnlySpan<byte>(input, offset, LengthField);
        var plaintext = new ReadOnlySpan<byte>(input, offset + LengthField, length - LengthField);
        associatedData.CopyTo(new Span<byte>(output, outputOffset, LengthField));
        _seal(_nonce, plaintext, new Span<byte>(output, outputOffset + LengthField, length - LengthField), new Span<byte>(output, outputOffset + length, TagLength), associatedData);
        NextNonce();
        return length + TagLength;
    }

    /// <inheritdoc/>
    public override byte[] Encrypt(byte[] input, int offset, int length)
    {
        var output = new byte[length + TagLength];
        _ = Encrypt(input, offset, length, output, 0);
        return output;
    }

    /// <summary>
    /// Opens one packet: <paramref name="length"/> bytes of ciphertext at <paramref name="offset"/>,
    /// the length field (associated data) just before them and the tag just after.
    /// </summary>
    public override int Decrypt(byte[] input, int offset, int length, byte[] output, int outputOffset)
    {
        try
        {
            _open(_nonce, new ReadOnlySpan<byte>(input, offset, length), new ReadOnlySpan<byte>(input, offset + length, TagLength), new Span<byte>(output, outputOffset, length), new ReadOnlySpan<byte>(input, offset - LengthField, LengthField));
        }
        catch (CryptographicException ex)
        {
            // What SSH.NET's own ciphers report for a packet that fails authentication.
            throw new SshConnectionException("MAC error", DisconnectReason.MacError, ex);
        }

        NextNonce();
        return length;
    }

    /// <summary>
    /// SSH.NET asks an AEAD cipher it does not know to decrypt a packet's first 4 bytes before
    /// reading the rest (chacha20-poly1305 encrypts the length). GCM sends the length in clear,
    /// so it comes back unchanged and the nonce does not move. Nothing else calls this form.
    /// </summary>
    public override byte[] Decrypt(byte[] input, int offset, int length)
    {
        if (length != LengthField)
        {
            throw new NotSupportedException("AES-GCM packets are opened whole, with the five-argument Decrypt.");
        }

        var lengthField = new byte[LengthField];
        Buffer.BlockCopy(input, offset, lengthField, 0, LengthField);
        return lengthField;
    }

    public void Dispose() => _aesGcm.Dispose();

    private void NextNonce()
    {
        var counter = new Span<byte>(_nonce, 4, 8);
        BinaryPrimitives.WriteUInt64BigEndian(counter, BinaryPrimitives.ReadUInt64BigEndian(counter) + 1);
    }

    /// <summary>System.Security.Cryptography.AesGcm, found by reflection: its constructor and its span Encrypt/Decrypt.</summary>
    private sealed class RuntimeAesGcm
    {
        private readonly ConstructorInfo _withTagSize;
        private readonly MethodInfo _encrypt;
        private readonly MethodInfo _decrypt;

        private RuntimeAesGcm(ConstructorInfo withTagSize, MethodInfo encrypt, MethodInfo decrypt)
        {
            _withTagSize = withTagSize;
            _encrypt = encrypt;
            _decrypt = decrypt;
        }

        public static RuntimeAesGcm? Find()
        {
            try
            {
                var type = Type.GetType("System.Security.Cryptography.AesGcm, System.Security.Cryptography", throwOnError: false)
                    ?? Type.GetType("System.Security.Cryptography.AesGcm, System.Security.Cryptography.Algorithms", throwOnError: false);
                if (type is null || type.GetProperty("IsSupported", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) is not true)
                {
                    return null;
                }

                // .NET 8+ takes the tag size up front; older PowerShell 7 runtimes are left to SSH.NET.
                var constructor = type.GetConstructor(new[] { typeof(byte[]), typeof(int) });
                var encrypt = type.GetMethod("Encrypt", new[] { typeof(ReadOnlySpan<byte>), typeof(ReadOnlySpan<byte>), typeof(Span<byte>), typeof(Span<byte>), typeof(ReadOnlySpan<byte>) });
                var decrypt = type.GetMethod("Decrypt", new[] { typeof(ReadOnlySpan<byte>), typeof(ReadOnlySpan<byte>), typeof(ReadOnlySpan<byte>), typeof(Span<byte>), typeof(ReadOnlySpan<byte>) });
                if (constructor is null || encrypt is null || decrypt is null)
                {
                    return null;
                }

                var found = new RuntimeAesGcm(constructor, encrypt, decrypt);
                using (found.Create(new byte[16]).Instance)
                {
                    // Binding the delegates once proves the span types line up with this runtime's.
                }

                return found;
            }
            catch (Exception ex) when (ex is TargetInvocationException or ArgumentException or MissingMethodException or PlatformNotSupportedException or TypeLoadException)
            {
                return null;
            }
        }

        public (IDisposable Instance, SealMethod Seal, OpenMethod Open) Create(byte[] key)
        {
            var instance = (IDisposable)_withTagSize.Invoke(new object[] { key, TagLength });
            return (instance,
                (SealMethod)Delegate.CreateDelegate(typeof(SealMethod), instance, _encrypt),
                (OpenMethod)Delegate.CreateDelegate(typeof(OpenMethod), instance, _decrypt));
        }
    }
}
