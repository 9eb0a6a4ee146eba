using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Storage;

namespace HydraMigration.Archive;

/// <summary>
/// Counts the rows pg_dump wrote for tables of a custom-format archive, from the archive: each
/// table's data is the text of COPY ... TO stdout run in the dump's snapshot, one line per row
/// (a newline inside a value is written as the two characters \n), then the end-of-data line
/// and two empty ones pg_dump adds ("\.\n\n\n"): its rows are its newline bytes less those
/// three. Data that does not end so (INSERT statements, say) is not counted here. For a small table this replaces a count(*) on the source whose planning costs
/// more than the scan: on a database of thousands of small tables, that competed with pg_dump
/// for the server's CPU. Only data compressed with gzip (zlib streams) or not at all is read.
/// </summary>
internal static class ArchiveRowCounter
{
    /// <summary>Whether this archive's table data can be counted here.</summary>
    public static bool CanCount(ArchiveToc toc) =>
        toc.Format == HydraDumpFormat.Custom && (toc.Compression == "none" || toc.Compression.StartsWith("gzip", StringComparison.Ordinal));

    // From this many tables on, two readers count them, each half of the blocks with a stream of
    // its own: on 5,000 small tables a zlib stream each took 25-60 ms on one core, all of it at
    // the end of the dump, while the only other work then is the archive's hash.
    private const int TwoReadersFrom = 500;

    /// <summary>Rows of each TABLE DATA entry given, by entry; throws ArchiveCorrupt when a block cannot be read.</summary>
    public static Dictionary<TocEntry, long> Count(string path, ArchiveToc toc, IReadOnlyCollection<TocEntry> tableData, IFileStore files, CancellationToken cancellationToken)
    {
        // In file order, so each reader moves forward through the file.
        var ordered = tableData.OrderBy(e => e.DataOffset ?? long.MaxValue).ToList();
        if (ordered.Count < TwoReadersFrom || Environment.ProcessorCount < 2)
        {
            return CountInOrder(path, toc, ordered, files, cancellationToken);
        }

        var half = ordered.Count / 2;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var second = Task.Run(() => CountInOrder(path, toc, ordered.GetRange(half, ordered.Count - half), files, stop.Token), stop.Token);
        Dictionary<TocEntry, long> rows;
        try
        {
            rows = CountInOrder(path, toc, ordered.GetRange(0, half), files, stop.Token);
        }
        catch
        {
            // The other half stops too, and its stream is closed before the caller may remove the
            // archive (Windows keeps an open file).
            stop.Cancel();
            try
            {
                second.Wait(CancellationToken.None);
            }
            catch (AggregateException)
            {
                // The first failure is the one reported.
            }

            throw;
        }

        foreach (var counted in second.GetAwaiter().GetResult())
        {
            rows[counted.Key] = counted.Value;
        }

        return rows;
    }

    private static Dictionary<TocEntry, long> CountInOrder(string path, ArchiveToc toc, IReadOnlyCollection<TocEntry> tableData, IFileStore files, CancellationToken cancellationToken)
    {
        var compressed = toc.Compression != "none";
        var rows = new Dictionary<TocEntry, long>();
        var buffer = new byte[64 * 1024];
        foreach (var (entry, data) in ArchiveReader.ReadDataBlocks(path, tableData, files))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var text = new CopyTextLines();
            if (compressed)
            {
                Inflate(path, entry, data, buffer, text);
            }
            else
            {
                text.Add(data, data.Length);
            }

            rows[entry] = text.Rows ?? throw Corrupt(path, entry, "its data does not end as pg_dump ends COPY data");
        }

        return rows;
    }

    private static void Inflate(string path, TocEntry entry, byte[] data, byte[] buffer, CopyTextLines text)
    {
        // A zlib stream: two header bytes (no preset dictionary in pg_dump's), deflate data, then
        // an Adler-32 the deflate reader ignores.
        if (data.Length < 2 || (data[0] & 0x0F) != 8 || ((data[0] << 8) | data[1]) % 31 != 0 || (data[1] & 0x20) != 0)
        {
            throw Corrupt(path, entry, "its data does not start like a zlib stream");
        }

        try
        {
            using var inflate = new DeflateStream(new MemoryStream(data, 2, data.Length - 2), CompressionMode.Decompress);
            int read;
            while ((read = inflate.Read(buffer, 0, buffer.Length)) > 0)
            {
                text.Add(buffer, read);
            }
        }
        catch (InvalidDataException ex)
        {
            throw Corrupt(path, entry, ex.Message);
        }
    }

    /// <summary>Newlines of a COPY text stream fed in pieces, and its last five bytes.</summary>
    private sealed class CopyTextLines
    {
        private static readonly byte[] End = { (byte)'\\', (byte)'.', (byte)'\n', (byte)'\n', (byte)'\n' };
        private readonly byte[] _tail = new byte[End.Length];
        private long _newlines;
        private long _length;

        /// <summary>The rows, or null when the text does not end with pg_dump's end-of-data line.</summary>
        public long? Rows
        {
            get
            {
                return _length >= End.Length && _tail.SequenceEqual(End) ? _newlines - 3 : null;
            }
        }

        public void Add(byte[] bytes, int count)
        {
            var at = 0;
            while ((at = Array.IndexOf(bytes, (byte)'\n', at, count - at)) >= 0)
            {
                _newlines++;
                at++;
            }

            // Keep the stream's last bytes, however the pieces fall.
            var keep = Math.Min(count, _tail.Length);
            Array.Copy(_tail, keep, _tail, 0, _tail.Length - keep);
            Array.Copy(bytes, count - keep, _tail, _tail.Length - keep, keep);
            _length += count;
        }
    }

    private static HydraException Corrupt(string path, TocEntry entry, string what) =>
        new(HydraErrors.ArchiveCorrupt, string.Format(System.Globalization.CultureInfo.InvariantCulture, "The archive '{0}' is damaged: the data of {1}.{2} cannot be read ({3}).", path, entry.Namespace, entry.Tag, what), path);
}
