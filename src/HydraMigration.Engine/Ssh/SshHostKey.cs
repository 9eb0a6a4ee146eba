using System;
using System.Security.Cryptography;
using System.Text;

namespace HydraMigration.Ssh;

/// <summary>A server's public host key: its type as known_hosts names it, the wire blob, and the OpenSSH fingerprint.</summary>
internal sealed class SshHostKey
{
    public SshHostKey(byte[] blob)
    {
        Blob = blob;
        KeyType = TypeOf(blob);
        Fingerprint = FingerprintOf(blob);
    }

    /// <summary>"ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256"… (the key's type, not the signature algorithm).</summary>
    public string KeyType { get; }

    public byte[] Blob { get; }

    /// <summary>"SHA256:" and the unpadded base64 of the blob's SHA-256, exactly as ssh prints it.</summary>
    public string Fingerprint { get; }

    /// <summary>"ED25519", "RSA", "ECDSA", as ssh names the key in its messages.</summary>
    public string DisplayType => KeyType switch
    {
        "ssh-ed25519" => "ED25519",
        "ssh-rsa" => "RSA",
        "ssh-dss" => "DSA",
        _ when KeyType.StartsWith("ecdsa-", StringComparison.Ordinal) => "ECDSA",
        _ => KeyType,
    };

    public static string FingerprintOf(byte[] blob)
    {
        using var sha = SHA256.Create();
        return "SHA256:" + Convert.ToBase64String(sha.ComputeHash(blob)).TrimEnd('=');
    }

    /// <summary>True when <paramref name="pin"/> ("SHA256:…", with or without padding or prefix) names this key.</summary>
    public bool MatchesPin(string pin)
    {
        var text = pin.Trim();
        if (text.StartsWith("SHA256:", StringComparison.OrdinalIgnoreCase))
        {
            text = text.Substring("SHA256:".Length);
        }

        return string.Equals(text.TrimEnd('='), Fingerprint.Substring("SHA256:".Length), StringComparison.Ordinal);
    }

    /// <summary>True for "SHA256:" (any case, or none) and the 43 base64 characters of a SHA-256, with or without padding.</summary>
    public static bool IsWellFormedPin(string pin)
    {
        var text = pin.Trim();
        if (text.StartsWith("SHA256:", StringComparison.OrdinalIgnoreCase))
        {
            text = text.Substring("SHA256:".Length);
        }

        text = text.TrimEnd('=');
        if (text.Length != 43)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!(c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '+' or '/'))
            {
                return false;
            }
        }

        return true;
    }

    // The blob starts with the key type as an SSH string: a big-endian uint32 length, then ASCII.
    private static string TypeOf(byte[] blob)
    {
        if (blob.Length < 4)
        {
            return "unknown";
        }

        var length = (blob[0] << 24) | (blob[1] << 16) | (blob[2] << 8) | blob[3];
        return length > 0 && length <= blob.Length - 4 ? Encoding.ASCII.GetString(blob, 4, length) : "unknown";
    }
}
