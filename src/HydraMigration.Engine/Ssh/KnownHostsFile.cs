using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using HydraMigration.Tools;

namespace HydraMigration.Ssh;

/// <summary>
/// Reads OpenSSH's known_hosts the way ssh does: comma-separated host patterns with <c>*</c>,
/// <c>?</c> and <c>!</c>; <c>[host]:port</c> names for ports other than 22; hashed entries
/// (<c>|1|salt|HMAC-SHA1(salt, name)</c>); and the <c>@revoked</c> marker. Certificate
/// authorities (<c>@cert-authority</c>) are skipped: the module does not do host certificates.
/// </summary>
internal sealed class KnownHostsFile
{
    private readonly List<KnownHostEntry> _entries;

    private KnownHostsFile(string path, List<KnownHostEntry> entries)
    {
        Path = path;
        _entries = entries;
    }

    public string Path { get; }

    /// <summary>The name ssh looks up: "host" on port 22, "[host]:port" otherwise.</summary>
    /// <remarks>Lower case, as ssh writes and hashes names: "DBHost" finds the entry ssh made for "dbhost".</remarks>
    public static string LookupName(string host, int port) =>
        port == 22 ? host.ToLowerInvariant() : "[" + host.ToLowerInvariant() + "]:" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Reads the file; a missing one is simply empty.</summary>
    public static KnownHostsFile Read(string path)
    {
        var entries = new List<KnownHostEntry>();
        if (File.Exists(path))
        {
            var lineNumber = 0;
            foreach (var line in File.ReadLines(path))
            {
                lineNumber++;
                if (KnownHostEntry.TryParse(line, lineNumber) is { } entry)
                {
                    entries.Add(entry);
                }
            }
        }

        return new KnownHostsFile(path, entries);
    }

    /// <summary>Compares the key the server offered with what the file says about that name.</summary>
    public HostKeyLookup Check(string lookupName, SshHostKey offered)
    {
        var forHost = _entries.Where(e => e.Matches(lookupName)).ToList();
        if (forHost.Any(e => e.Revoked && e.KeyBlob.SequenceEqual(offered.Blob)))
        {
            return new HostKeyLookup(HostKeyStatus.Revoked, null);
        }

        var sameType = forHost.Where(e => !e.Revoked && e.KeyType == offered.KeyType).ToList();
        if (sameType.Any(e => e.KeyBlob.SequenceEqual(offered.Blob)))
        {
            return new HostKeyLookup(HostKeyStatus.Known, null);
        }

        return sameType.Count > 0
            ? new HostKeyLookup(HostKeyStatus.Changed, sameType[0])
            : new HostKeyLookup(HostKeyStatus.Unknown, forHost.FirstOrDefault(e => !e.Revoked));
    }

    /// <summary>Key types the file knows for this name, so the client can ask the server for one of them.</summary>
    public IReadOnlyList<string> KeyTypesFor(string lookupName) =>
        _entries.Where(e => !e.Revoked && e.Matches(lookupName)).Select(e => e.KeyType).Distinct().ToList();

    /// <summary>Appends "name keytype base64" as ssh does on first use, creating the file (0600) and its folder (0700).</summary>
    public static void Append(string path, string lookupName, SshHostKey key)
    {
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder) && !Directory.Exists(folder))
        {
            Directory.CreateDirectory(folder);
            FilePermissions.OwnerOnly(folder, directory: true);
        }

        var isNew = !File.Exists(path);
        var line = lookupName + " " + key.KeyType + " " + Convert.ToBase64String(key.Blob) + "\n";
        using (var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read))
        {
            // A file that does not end in a line break would glue our entry onto its last line.
            var prefix = stream.Length > 0 && !EndsWithNewLine(path) ? "\n" : "";
            var bytes = Encoding.ASCII.GetBytes(prefix + line);
            stream.Write(bytes, 0, bytes.Length);
        }

        if (isNew)
        {
            FilePermissions.OwnerOnly(path, directory: false);
        }
    }

    private static bool EndsWithNewLine(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        if (stream.Length == 0)
        {
            return true;
        }

        stream.Seek(-1, SeekOrigin.End);
        return stream.ReadByte() == '\n';
    }
}

internal enum HostKeyStatus
{
    Known,
    Unknown,
    Changed,
    Revoked,
}

/// <summary>The verdict, and for a changed key the entry that disagrees.</summary>
internal sealed class HostKeyLookup
{
    public HostKeyLookup(HostKeyStatus status, KnownHostEntry? entry)
    {
        Status = status;
        Entry = entry;
    }

    public HostKeyStatus Status { get; }

    public KnownHostEntry? Entry { get; }
}

/// <summary>One known_hosts line.</summary>
internal sealed class KnownHostEntry
{
    private static readonly char[] FieldSeparators = { ' ', '\t' };
    private readonly string[] _patterns;

    private KnownHostEntry(string[] patterns, string keyType, byte[] keyBlob, bool revoked, int lineNumber)
    {
        _patterns = patterns;
        KeyType = keyType;
        KeyBlob = keyBlob;
        Revoked = revoked;
        LineNumber = lineNumber;
    }

    public string KeyType { get; }

    public byte[] KeyBlob { get; }

    public bool Revoked { get; }

    public int LineNumber { get; }

    public string Fingerprint => SshHostKey.FingerprintOf(KeyBlob);

    public static KnownHostEntry? TryParse(string line, int lineNumber)
    {
        var fields = line.Trim().Split(FieldSeparators, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length == 0 || fields[0].StartsWith("#", StringComparison.Ordinal))
        {
            return null;
        }

        var revoked = false;
        if (fields[0].StartsWith("@", StringComparison.Ordinal))
        {
            if (fields[0] != "@revoked")
            {
                return null; // @cert-authority
            }

            revoked = true;
            fields = fields.Skip(1).ToArray();
        }

        if (fields.Length < 3)
        {
            return null;
        }

        try
        {
            return new KnownHostEntry(fields[0].Split(','), fields[1], Convert.FromBase64String(fields[2]), revoked, lineNumber);
        }
        catch (FormatException)
        {
            return null; // ssh skips lines it cannot read, and so do we
        }
    }

    /// <summary>ssh's rule: some pattern matches and no negated pattern does.</summary>
    public bool Matches(string lookupName)
    {
        var matched = false;
        foreach (var pattern in _patterns)
        {
            if (pattern.StartsWith("|1|", StringComparison.Ordinal))
            {
                matched |= HashedMatches(pattern, lookupName);
            }
            else if (pattern.StartsWith("!", StringComparison.Ordinal))
            {
                if (WildcardMatches(pattern.Substring(1), lookupName))
                {
                    return false;
                }
            }
            else
            {
                matched |= WildcardMatches(pattern, lookupName);
            }
        }

        return matched;
    }

    private static bool HashedMatches(string pattern, string lookupName)
    {
        var parts = pattern.Split('|'); // "", "1", salt, hash
        if (parts.Length != 4)
        {
            return false;
        }

        try
        {
            // OpenSSH's hashed names are HMAC-SHA1 by definition; this reads them, it protects nothing.
#pragma warning disable CA5350
            using var hmac = new HMACSHA1(Convert.FromBase64String(parts[2]));
#pragma warning restore CA5350
            var expected = Convert.FromBase64String(parts[3]);
            return hmac.ComputeHash(Encoding.UTF8.GetBytes(lookupName)).SequenceEqual(expected);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool WildcardMatches(string pattern, string name)
    {
        var regex = "^" + Regex.Escape(pattern).Replace("\\*", ".*").Replace("\\?", ".") + "$";
        return Regex.IsMatch(name, regex, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    }
}
