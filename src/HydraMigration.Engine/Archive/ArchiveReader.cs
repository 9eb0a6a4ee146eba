using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;

using HydraMigration.Storage;

namespace HydraMigration.Archive;

/// <summary>
/// Reads the table of contents of a pg_dump archive (custom, tar or directory format) straight
/// from its bytes. pg_restore --list prints the same entries, but joins names with spaces (a
/// table called "order lines" is ambiguous there) and shows neither data sizes nor the table
/// access method; reading the TOC gives both exactly and needs no client tools. It also checks
/// that the data the TOC points to is really there, which catches a truncated copy that
/// pg_restore --list would happily list.
/// </summary>
internal static class ArchiveReader
{

    // pg_backup_archiver.h: archive format ids and the newest archive version understood here.
    private const int FormatCustom = 1;
    private const int FormatTar = 3;
    private const int FormatDirectory = 5;
    private const int MaxKnownVersion = (1 << 16) | (16 << 8);
    private const int OffsetPositionSet = 2;
    private const int BlockBlobs = 3; // a large-objects block: OID, chunks, OID, chunks ... 0

    public static HydraDumpFormat DetectFormat(string path, IFileStore? store = null)
    {
        var files = store ?? LocalFileStore.Instance;
        if (files.DirectoryExists(path))
        {
            if (files.FileExists(files.Combine(path, "toc.dat")))
            {
                return HydraDumpFormat.Directory;
            }

            throw NotAnArchive(path, "It is a folder without a toc.dat, so not a directory-format dump.");
        }

        if (!files.FileExists(path))
        {
            throw new HydraException(HydraErrors.ArchiveNotFound, string.Format(CultureInfo.InvariantCulture, "The dump '{0}' does not exist.", path), path);
        }

        var head = new byte[512];
        int read;
        using (var stream = files.OpenRead(path))
        {
            read = ReadFully(stream, head, head.Length);
        }

        if (read >= 5 && Encoding.ASCII.GetString(head, 0, 5) == "PGDMP")
        {
            return HydraDumpFormat.Custom;
        }

        if (read == 512 && Encoding.ASCII.GetString(head, 257, 5) == "ustar")
        {
            return HydraDumpFormat.Tar;
        }

        var text = Encoding.UTF8.GetString(head, 0, read);
        if (text.StartsWith("--", StringComparison.Ordinal) && text.IndexOf("PostgreSQL database dump", StringComparison.Ordinal) >= 0)
        {
            return HydraDumpFormat.Plain;
        }

        throw NotAnArchive(path, read == 0 ? "The file is empty." : "It does not start like a pg_dump archive (custom, tar or directory format).");
    }

    /// <summary>Reads the TOC and fills in each entry's data size; throws when the archive is damaged.</summary>
    public static ArchiveToc Read(string path, IFileStore? store = null)
    {
        var files = store ?? LocalFileStore.Instance;
        var format = DetectFormat(path, files);
        switch (format)
        {
            case HydraDumpFormat.Custom:
                return ReadCustom(path, files);
            case HydraDumpFormat.Directory:
                return ReadDirectory(path, files);
            case HydraDumpFormat.Tar:
                return ReadTar(path, files);
            default:
                throw new HydraException(HydraErrors.ArchiveIsPlainSql,
                    string.Format(CultureInfo.InvariantCulture, "'{0}' is a plain-format SQL script, which has no table of contents and cannot be read by pg_restore. Run it with psql, or make the dump with -Format Custom.", path),
                    path);
        }
    }

    private static ArchiveToc ReadCustom(string path, IFileStore files)
    {
        using var stream = files.OpenRead(path);
        var parser = new TocParser(stream);
        var toc = Guard(path, () => parser.Parse(FormatCustom));
        toc.Format = HydraDumpFormat.Custom;

        var length = stream.Length;
        var withData = toc.Entries.Where(e => e.DataOffset is not null).OrderBy(e => e.DataOffset).ToList();
        for (var i = 0; i < withData.Count; i++)
        {
            var start = withData[i].DataOffset!.Value;
            if (start < 0)
            {
                throw new HydraException(HydraErrors.ArchiveCorrupt, string.Format(CultureInfo.InvariantCulture, "The archive '{0}' is damaged: entry {1} has a negative data offset.", path, withData[i].DumpId), path);
            }

            if (start >= length)
            {
                throw Truncated(path, string.Format(CultureInfo.InvariantCulture, "The data of entry {0} ({1} {2}) should start at byte {3}, but the file has only {4} bytes.", withData[i].DumpId, withData[i].Desc, withData[i].Tag, start, length));
            }

            var end = i + 1 < withData.Count ? withData[i + 1].DataOffset!.Value : length;
            withData[i].DataSize = end - start;
        }

        // Truncation cuts the end of the file, which is the last data block: walk its chunks.
        if (withData.Count > 0)
        {
            var last = withData[withData.Count - 1];
            Guard(path, () =>
            {
                var end = parser.SkipDataBlock(last.DataOffset!.Value, last.DumpId);
                last.DataSize = end - last.DataOffset!.Value;
                return end;
            });
        }

        return toc;
    }

    /// <summary>
    /// The raw bytes of each entry's data block in a custom-format archive (its chunks joined,
    /// still compressed as the TOC says), in the order given; throws ArchiveCorrupt or
    /// ArchiveTruncated when a block is not where its entry says or ends early.
    /// </summary>
    public static IEnumerable<(TocEntry Entry, byte[] Data)> ReadDataBlocks(string path, IEnumerable<TocEntry> entries, IFileStore? store = null)
    {
        using var stream = (store ?? LocalFileStore.Instance).OpenRead(path);
        var parser = new TocParser(stream);
        foreach (var entry in entries)
        {
            var offset = entry.DataOffset ?? throw new HydraException(HydraErrors.ArchiveCorrupt, string.Format(CultureInfo.InvariantCulture, "The archive '{0}' records no data position for entry {1} ({2} {3}).", path, entry.DumpId, entry.Desc, entry.Tag), path);
            yield return (entry, Guard(path, () => parser.ReadDataBlock(offset, entry.DumpId)));
        }
    }

    private static ArchiveToc ReadDirectory(string path, IFileStore files)
    {
        ArchiveToc toc;
        using (var stream = files.OpenRead(files.Combine(path, "toc.dat")))
        {
            toc = Guard(path, () => new TocParser(stream).Parse(FormatDirectory));
        }

        toc.Format = HydraDumpFormat.Directory;
        foreach (var entry in toc.Entries.Where(e => !string.IsNullOrEmpty(e.DataFileName)))
        {
            var dataFile = FindDirectoryDataFile(files, path, entry.DataFileName!);
            if (dataFile is null && IsLargeObjects(entry))
            {
                continue; // blobs.toc names its files itself; pg_restore checks them
            }

            if (dataFile is null)
            {
                throw Truncated(path, string.Format(CultureInfo.InvariantCulture, "The data file '{0}' of entry {1} ({2} {3}) is missing from the dump folder.", entry.DataFileName, entry.DumpId, entry.Desc, entry.Tag));
            }

            entry.DataSize = files.FileLength(dataFile);
        }

        return toc;
    }

    private static string? FindDirectoryDataFile(IFileStore files, string folder, string fileName)
    {
        // The TOC names the uncompressed file; pg_dump appends the compressor's suffix.
        foreach (var suffix in new[] { string.Empty, ".gz", ".lz4", ".zst" })
        {
            var candidate = files.Combine(folder, fileName + suffix);
            if (files.FileExists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static ArchiveToc ReadTar(string path, IFileStore files)
    {
        using var stream = files.OpenRead(path);
        var members = new Dictionary<string, long>(StringComparer.Ordinal);
        ArchiveToc? toc = null;
        var header = new byte[512];
        while (true)
        {
            var read = ReadFully(stream, header, 512);
            if (read == 0 || (read == 512 && header.All(b => b == 0)))
            {
                break;
            }

            if (read < 512)
            {
                throw Truncated(path, "The tar archive ends in the middle of a member header.");
            }

            var name = Encoding.ASCII.GetString(header, 0, 100).TrimEnd('\0');
            var size = ParseOctal(header, 124, 12);
            var dataStart = stream.Position;
            if (dataStart + size > stream.Length)
            {
                throw Truncated(path, string.Format(CultureInfo.InvariantCulture, "The tar member '{0}' needs {1} bytes but the file ends after {2}.", name, size, stream.Length - dataStart));
            }

            members[name] = size;
            if (name == "toc.dat")
            {
                var tocBytes = new byte[size];
                ReadFully(stream, tocBytes, (int)size);
                toc = Guard(path, () => new TocParser(new MemoryStream(tocBytes)).Parse(FormatTar));
            }

            stream.Position = dataStart + ((size + 511) / 512 * 512);
        }

        if (toc is null)
        {
            throw NotAnArchive(path, "It is a tar file without a toc.dat member, so not a pg_dump tar archive.");
        }

        toc.Format = HydraDumpFormat.Tar;
        foreach (var entry in toc.Entries.Where(e => !string.IsNullOrEmpty(e.DataFileName)))
        {
            if (IsLargeObjects(entry))
            {
                // pg_dump writes large objects as blobs.toc and blob_OID.dat members, not under the TOC's name.
                entry.DataSize = members.Where(m => m.Key.StartsWith("blob", StringComparison.Ordinal)).Sum(m => m.Value);
                continue;
            }

            if (!members.TryGetValue(entry.DataFileName!, out var size))
            {
                throw Truncated(path, string.Format(CultureInfo.InvariantCulture, "The tar member '{0}' holding the data of entry {1} ({2} {3}) is missing.", entry.DataFileName, entry.DumpId, entry.Desc, entry.Tag));
            }

            entry.DataSize = size;
        }

        return toc;
    }

    private static bool IsLargeObjects(TocEntry entry) => entry.Desc is "BLOBS" or "BLOB" or "LARGE OBJECTS" || entry.Desc.StartsWith("BLOB", StringComparison.Ordinal);

    /// <summary>A tar number: octal text, or (for sizes of 8 GiB and more) base-256 with the high bit set.</summary>
    private static long ParseOctal(byte[] buffer, int offset, int length)
    {
        long value = 0;
        if ((buffer[offset] & 0x80) != 0)
        {
            value = buffer[offset] & 0x7F;
            for (var i = offset + 1; i < offset + length; i++)
            {
                value = (value << 8) | buffer[i];
            }

            return value;
        }

        for (var i = offset; i < offset + length; i++)
        {
            var b = buffer[i];
            if (b is >= (byte)'0' and <= (byte)'7')
            {
                value = (value * 8) + (b - '0');
            }
            else if (b != ' ' || value != 0)
            {
                break;
            }
        }

        return value;
    }

    private static int ReadFully(Stream stream, byte[] buffer, int count)
    {
        var total = 0;
        while (total < count)
        {
            var n = stream.Read(buffer, total, count - total);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    private static T Guard<T>(string path, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (EndOfStreamException ex)
        {
            throw Truncated(path, "The file ends before its table of contents or data does.", ex);
        }
        catch (Exception ex) when (ex is InvalidDataException or ArgumentOutOfRangeException or IOException)
        {
            throw new HydraException(HydraErrors.ArchiveCorrupt, string.Format(CultureInfo.InvariantCulture, "The archive '{0}' is damaged: {1}", path, ex.Message), path, ex);
        }
    }

    private static HydraException NotAnArchive(string path, string why) =>
        new(HydraErrors.ArchiveNotRecognized, string.Format(CultureInfo.InvariantCulture, "'{0}' is not a pg_dump archive. {1}", path, why), path);

    private static HydraException Truncated(string path, string why, Exception? inner = null) =>
        new(HydraErrors.ArchiveTruncated, string.Format(CultureInfo.InvariantCulture, "The archive '{0}' is incomplete (truncated or partly copied): {1} Copy or dump it again.", path, why), path, inner);

    /// <summary>
    /// The binary reader for pg_dump's header and TOC (pg_backup_archiver.c ReadHead/ReadToc).
    /// It reads the file through a buffer of its own and decodes each string straight from it:
    /// an archive of 5,000 tables has some 15,000 entries of a dozen fields each, and reading them
    /// a byte at a time through the stream, a string for every field, took 60 to 120 ms at the end
    /// of every such dump (30 to 45 ms this way).
    /// </summary>
    private sealed class TocParser
    {
        private readonly Stream _stream;
        private readonly long _length;
        private readonly byte[] _buffer = new byte[64 * 1024];
        private long _bufferStart; // the file position of _buffer[0]
        private int _at;           // the next byte to read, in _buffer
        private int _end;          // how much of _buffer holds the file's bytes
        // A TOC repeats a few short texts thousands of times (kinds, schemas, owners, the access
        // method): each is made once per archive, not once per entry, keyed by a hash of its bytes.
        private readonly Dictionary<int, List<(byte[] Bytes, string Text)>> _shared = new();
        private int _version;
        private int _intSize = 4;
        private int _offSize = 8;

        public TocParser(Stream stream)
        {
            _stream = stream;
            _bufferStart = stream.CanSeek ? stream.Position : 0;
            _length = stream.CanSeek ? stream.Length : long.MaxValue;
        }

        private long Position => _bufferStart + _at;

        private void Seek(long offset)
        {
            if (offset >= _bufferStart && offset <= _bufferStart + _end)
            {
                _at = (int)(offset - _bufferStart);
                return;
            }

            _stream.Position = offset;
            _bufferStart = offset;
            _at = _end = 0;
        }

        /// <summary>Makes at least <paramref name="count"/> bytes (at most the buffer's size) readable at _at; false at the file's end.</summary>
        private bool Fill(int count)
        {
            if (_end - _at >= count)
            {
                return true;
            }

            // Keep what is left, at the buffer's start, and read behind it.
            var left = _end - _at;
            Buffer.BlockCopy(_buffer, _at, _buffer, 0, left);
            _bufferStart += _at;
            _at = 0;
            _end = left;
            while (_end < count)
            {
                var n = _stream.Read(_buffer, _end, _buffer.Length - _end);
                if (n == 0)
                {
                    return false;
                }

                _end += n;
            }

            return true;
        }

        private void ReadExactly(byte[] target, int count)
        {
            var copied = Math.Min(count, _end - _at);
            Buffer.BlockCopy(_buffer, _at, target, 0, copied);
            _at += copied;
            if (copied == count)
            {
                return;
            }

            // The rest straight from the stream, which stands at the buffer's end; nothing is buffered after it.
            _bufferStart += _end;
            _at = _end = 0;
            while (copied < count)
            {
                var n = _stream.Read(target, copied, count - copied);
                if (n == 0)
                {
                    throw new EndOfStreamException();
                }

                copied += n;
                _bufferStart += n;
            }
        }

        private void Skip(long count)
        {
            if (Position + count > _length)
            {
                throw new EndOfStreamException();
            }

            if (_stream.CanSeek || count <= _end - _at)
            {
                Seek(Position + count);
                return;
            }

            // A stream that cannot seek (the TOC of a tar member, say, read as it comes): read past.
            count -= _end - _at;
            _at = _end;
            while (count > 0)
            {
                if (!Fill(1))
                {
                    throw new EndOfStreamException();
                }

                var passed = (int)Math.Min(count, _end - _at);
                _at += passed;
                count -= passed;
            }
        }

        public ArchiveToc Parse(int expectedFormat)
        {
            var toc = new ArchiveToc();
            if (!Fill(5) || Encoding.ASCII.GetString(_buffer, _at, 5) != "PGDMP")
            {
                throw new InvalidDataException("the table of contents does not start with PGDMP.");
            }

            _at += 5;

            int major = ReadByte(), minor = ReadByte(), revision = 0;
            if (major > 1 || (major == 1 && minor > 0))
            {
                revision = ReadByte();
            }

            _version = (major << 16) | (minor << 8) | revision;
            toc.ArchiveVersion = string.Format(CultureInfo.InvariantCulture, "{0}.{1}.{2}", major, minor, revision);
            if (_version < Version(1, 12) || _version > MaxKnownVersion + 0xFF)
            {
                throw new InvalidDataException(string.Format(CultureInfo.InvariantCulture, "archive version {0} is not supported here (1.12 to 1.16, i.e. pg_dump 9.0 to 17, are).", toc.ArchiveVersion));
            }

            _intSize = ReadByte();
            _offSize = ReadByte();
            if (_intSize is < 1 or > 8 || _offSize is < 1 or > 8)
            {
                throw new InvalidDataException("the integer sizes in the header are not plausible.");
            }

            // A directory archive's toc.dat carries the tar format id: pg_dump writes it that way.
            var format = ReadByte();
            if (format != expectedFormat && !(expectedFormat == FormatDirectory && format == FormatTar))
            {
                throw new InvalidDataException(string.Format(CultureInfo.InvariantCulture, "the header says format {0}, but the file is laid out as format {1}.", format, expectedFormat));
            }

            if (_version >= Version(1, 15))
            {
                toc.Compression = ReadByte() switch { 0 => "none", 1 => "gzip", 2 => "lz4", 3 => "zstd", var other => "algorithm " + other.ToString(CultureInfo.InvariantCulture) };
            }
            else
            {
                var level = ReadInt();
                toc.Compression = level == 0 ? "none" : "gzip:" + level.ToString(CultureInfo.InvariantCulture);
            }

            for (var i = 0; i < 7; i++)
            {
                ReadInt(); // creation time fields
            }

            toc.DatabaseName = ReadString();
            toc.ServerVersion = ReadString();
            toc.PgDumpVersion = ReadString();

            var count = ReadInt();
            if (count < 0 || count > 10_000_000)
            {
                throw new InvalidDataException("the entry count in the table of contents is not plausible.");
            }

            for (var i = 0; i < count; i++)
            {
                toc.Entries.Add(ReadEntry(expectedFormat));
            }

            return toc;
        }

        /// <summary>Follows a custom-format data block's chunks to its end marker; returns the position after it.</summary>
        public long SkipDataBlock(long offset, int expectedDumpId)
        {
            if (offset < 0)
            {
                throw new InvalidDataException(string.Format(CultureInfo.InvariantCulture, "a data offset ({0}) is negative.", offset));
            }

            Seek(offset);
            var blockType = ReadByte();
            var dumpId = ReadInt();
            if (dumpId != expectedDumpId)
            {
                throw new InvalidDataException(string.Format(CultureInfo.InvariantCulture, "the data block at byte {0} belongs to entry {1}, not {2}.", offset, dumpId, expectedDumpId));
            }

            if (blockType != BlockBlobs)
            {
                SkipChunks();
                return Position;
            }

            // Large objects: each is its OID followed by its chunks; OID 0 ends the block.
            while (ReadInt() != 0)
            {
                SkipChunks();
            }

            return Position;
        }

        /// <summary>A custom-format data block's chunks, joined.</summary>
        public byte[] ReadDataBlock(long offset, int expectedDumpId)
        {
            Seek(offset);
            var blockType = ReadByte();
            var dumpId = ReadInt();
            if (dumpId != expectedDumpId)
            {
                throw new InvalidDataException(string.Format(CultureInfo.InvariantCulture, "the data block at byte {0} belongs to entry {1}, not {2}.", offset, dumpId, expectedDumpId));
            }

            if (blockType == BlockBlobs)
            {
                throw new InvalidDataException(string.Format(CultureInfo.InvariantCulture, "the data block at byte {0} holds large objects, not a table's rows.", offset));
            }

            using var data = new MemoryStream();
            while (true)
            {
                var chunk = ReadInt();
                if (chunk == 0)
                {
                    return data.ToArray();
                }

                if (chunk < 0 || Position + chunk > _length)
                {
                    throw new EndOfStreamException();
                }

                var bytes = new byte[chunk];
                ReadExactly(bytes, chunk);
                data.Write(bytes, 0, chunk);
            }
        }

        private void SkipChunks()
        {
            while (true)
            {
                var chunk = ReadInt();
                if (chunk == 0)
                {
                    return;
                }

                if (chunk < 0)
                {
                    throw new EndOfStreamException();
                }

                Skip(chunk);
            }
        }

        private static int Version(int major, int minor) => (major << 16) | (minor << 8);

        private TocEntry ReadEntry(int format)
        {
            var entry = new TocEntry
            {
                DumpId = ReadInt(),
                HadDumper = ReadInt() != 0,
                TableOid = Oid(ReadNumberText()),
                Oid = Oid(ReadNumberText()),
                Tag = ReadString() ?? string.Empty,
                Desc = ReadShared() ?? string.Empty,
                Section = ReadInt(),
                Definition = ReadString(),
            };
            SkipString(); // drop statement
            SkipString(); // copy statement
            entry.Namespace = ReadShared();
            entry.Tablespace = ReadShared();
            if (_version >= Version(1, 14))
            {
                entry.TableAccessMethod = ReadShared();
            }

            if (_version >= Version(1, 16))
            {
                ReadInt(); // relkind
            }

            entry.Owner = ReadShared();
            SkipString(); // "with oids", always false since PostgreSQL 12

            List<int>? dependencies = null;
            while (ReadNumberText() is { } dependency)
            {
                if (dependency is >= 0 and <= int.MaxValue)
                {
                    (dependencies ??= new List<int>()).Add((int)dependency);
                }
            }

            entry.Dependencies = dependencies ?? (IReadOnlyList<int>)Array.Empty<int>();
            if (format == FormatCustom)
            {
                var flag = ReadByte();
                var position = ReadOffsetValue();
                if (flag == OffsetPositionSet)
                {
                    entry.DataOffset = position;
                }
            }
            else
            {
                entry.DataFileName = ReadString();
            }

            return entry;
        }

        /// <summary>
        /// A number pg_dump writes as text (an OID, a dependency's dump id), read without making the
        /// text: null for a null string, -1 for text that is not plain digits (pg_dump writes "%u"
        /// and "%d" of ids that are never negative; signs and spaces are not read as numbers).
        /// </summary>
        private long? ReadNumberText()
        {
            var length = ReadStringLength();
            if (length < 0)
            {
                return null;
            }

            if (length is 0 or > 18 || !Fill(length))
            {
                Skip(length);
                return -1;
            }

            long value = 0;
            for (var i = 0; i < length && value >= 0; i++)
            {
                var digit = _buffer[_at + i] - '0';
                value = digit is >= 0 and <= 9 ? (value * 10) + digit : -1;
            }

            _at += length;
            return value;
        }

        private string? ReadShared()
        {
            var length = ReadStringLength();
            if (length < 0)
            {
                return null;
            }

            if (length == 0)
            {
                return string.Empty;
            }

            if (length > 64 || !Fill(length))
            {
                return ReadStringOfLength(length);
            }

            var hash = length;
            for (var i = 0; i < length; i++)
            {
                hash = unchecked((hash * 31) + _buffer[_at + i]);
            }

            if (!_shared.TryGetValue(hash, out var known))
            {
                _shared[hash] = known = new List<(byte[], string)>(1);
            }

            foreach (var (bytes, text) in known)
            {
                if (SameBytes(bytes, length))
                {
                    _at += length;
                    return text;
                }
            }

            var copy = new byte[length];
            Buffer.BlockCopy(_buffer, _at, copy, 0, length);
            var made = Encoding.UTF8.GetString(copy);
            known.Add((copy, made));
            _at += length;
            return made;
        }

        private bool SameBytes(byte[] bytes, int length)
        {
            if (bytes.Length != length)
            {
                return false;
            }

            for (var i = 0; i < length; i++)
            {
                if (bytes[i] != _buffer[_at + i])
                {
                    return false;
                }
            }

            return true;
        }

        private static uint Oid(long? number) => number is >= 0 and <= uint.MaxValue ? (uint)number.Value : 0;

        private int ReadByte()
        {
            if (_at == _end && !Fill(1))
            {
                throw new EndOfStreamException();
            }

            return _buffer[_at++];
        }

        private int ReadInt() => ReadIntWithSize(_intSize);

        private int ReadIntWithSize(int size)
        {
            var negative = ReadByte() != 0;
            long value = 0;
            for (var i = 0; i < size; i++)
            {
                value |= (long)ReadByte() << (i * 8);
            }

            if (value > int.MaxValue)
            {
                throw new InvalidDataException("an integer in the archive is out of range.");
            }

            return negative ? -(int)value : (int)value;
        }

        private long ReadOffsetValue()
        {
            long value = 0;
            for (var i = 0; i < _offSize; i++)
            {
                value |= (long)ReadByte() << (i * 8);
            }

            return value;
        }

        private string? ReadString()
        {
            var length = ReadStringLength();
            return length < 0 ? null : ReadStringOfLength(length);
        }

        private string ReadStringOfLength(int length)
        {
            if (Position + length > _length)
            {
                throw new EndOfStreamException(); // a damaged length: nothing allocated for it
            }

            if (length <= _buffer.Length)
            {
                if (!Fill(length))
                {
                    throw new EndOfStreamException();
                }

                var text = Encoding.UTF8.GetString(_buffer, _at, length);
                _at += length;
                return text;
            }

            var bytes = new byte[length];
            ReadExactly(bytes, length);
            return Encoding.UTF8.GetString(bytes);
        }

        private void SkipString()
        {
            var length = ReadStringLength();
            if (length > 0)
            {
                Skip(length);
            }
        }

        private int ReadStringLength()
        {
            var length = ReadInt();
            if (length > 256 * 1024 * 1024)
            {
                throw new InvalidDataException("a string in the table of contents is implausibly long.");
            }

            return length;
        }
    }
}
