using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using HydraMigration.Archive;
using HydraMigration.Connections;
using HydraMigration.Infrastructure;
using HydraMigration.Tools;
using Npgsql;

namespace HydraMigration.Restore;

/// <summary>
/// Loads a large heap table's rows over several connections at once. pg_restore copies each
/// table through one COPY, which one server process parses and inserts: on a database with one
/// big table that COPY is the whole restore's critical path while the other jobs sit idle.
/// Here pg_restore still reads the archive — run with a use-list of that one entry, it writes
/// the entry's COPY to standard output — and its rows are dealt out in blocks of whole lines to
/// <c>Jobs</c> COPY … FROM STDIN of the very statement it printed, each in a transaction of its
/// own. They commit only once every one of them has been accepted, so the table gets all its
/// rows or none, as with pg_restore. Each slice's session is set up as pg_restore sets up its
/// own (search_path, xmloption, row_security, no timeouts, the role).
/// </summary>
/// <remarks>
/// A raw newline ends a row in COPY's text format (one inside a value is written as \n), and a
/// line that is exactly <c>\.</c> ends the data, so splitting at newlines never cuts a row.
/// Only UTF8 archives are split: Npgsql talks UTF8 to the server, and the rows pass through as
/// bytes.
/// </remarks>
internal sealed class ParallelTableLoad
{
    /// <summary>Tables at least this big on the source (the manifest's size) are split; the environment variable overrides it.</summary>
    public const long DefaultMinimumBytes = 256L * 1024 * 1024;

    public const string MinimumBytesVariable = "HYDRA_PARALLEL_LOAD_MIN_BYTES";

    private const int BlockSize = 1 << 20;

    private static readonly byte[] EndOfData = Encoding.ASCII.GetBytes("\\.\n");

    private readonly RestorePlan _plan;
    private readonly PgTool _pgRestore;
    private readonly IDictionary<string, string?> _environment;
    private readonly PrivateTempDirectory _folder;
    private readonly IOperationReporter _reporter;

    public ParallelTableLoad(RestorePlan plan, PgTool pgRestore, IDictionary<string, string?> environment, PrivateTempDirectory folder, IOperationReporter reporter)
    {
        _plan = plan;
        _pgRestore = pgRestore;
        _environment = environment;
        _folder = folder;
        _reporter = reporter;
    }

    /// <summary>
    /// The TABLE DATA entries worth splitting: heap tables of at least the minimum size, in a
    /// plain restore (no -Clean, -SingleTransaction, -DataOnly, -SchemaOnly or -ExitOnError)
    /// with two jobs or more, from a custom or directory UTF8 archive whose manifest knows the sizes.
    /// </summary>
    public static IReadOnlyList<TocEntry> Choose(RestorePlan plan)
    {
        var request = plan.Request;
        if (request.Jobs < 2 || request.Clean || request.SingleTransaction || request.DataOnly || request.SchemaOnly || request.ExitOnError
            || plan.Manifest is null || plan.Toc.Format is not (HydraDumpFormat.Custom or HydraDumpFormat.Directory) || !IsUtf8(plan.Toc))
        {
            return Array.Empty<TocEntry>();
        }

        var minimum = MinimumBytes();
        var big = new HashSet<(string, string)>(plan.Manifest.Tables
            .Where(t => t.Kind == "table" && t.DataDumped && (t.AccessMethod ?? "heap") == "heap" && t.SourceSizeBytes >= minimum)
            .Select(t => (t.Schema, t.Name)));
        return plan.Entries.Where(e => e.Desc == "TABLE DATA" && big.Contains((e.Namespace ?? string.Empty, e.Tag))).ToList();
    }

    /// <summary>Loads each entry in turn, each over <c>Jobs</c> connections; a table that fails is an issue in <paramref name="output"/>.</summary>
    public async Task RunAsync(IReadOnlyList<TocEntry> entries, PgRestoreOutput output, Action<int> finished, CancellationToken cancellationToken)
    {
        foreach (var entry in entries)
        {
            await LoadAsync(entry, output, cancellationToken).ConfigureAwait(false);
            finished(entry.DumpId);
        }
    }

    private static long MinimumBytes() =>
        long.TryParse(Environment.GetEnvironmentVariable(MinimumBytesVariable), NumberStyles.Integer, CultureInfo.InvariantCulture, out var bytes) && bytes >= 0 ? bytes : DefaultMinimumBytes;

    private static bool IsUtf8(ArchiveToc toc) =>
        toc.Entries.FirstOrDefault(e => e.Desc == "ENCODING")?.Definition is { } encoding && encoding.IndexOf("'UTF8'", StringComparison.OrdinalIgnoreCase) >= 0;

    private async Task LoadAsync(TocEntry entry, PgRestoreOutput output, CancellationToken cancellationToken)
    {
        var name = (entry.Namespace ?? string.Empty) + "." + entry.Tag;
        var slices = _plan.Request.Jobs;
        var clock = Stopwatch.StartNew();
        _reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "Loading the rows of {0} over {1} connections at once (entry {2}).", name, slices, entry.DumpId));
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var blocks = Channel.CreateBounded<Block>(new BoundedChannelOptions(slices * 2) { SingleWriter = true });
        var copyStatement = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var allLoaded = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var loaded = 0;
        long bytes = 0;

        // One COPY per connection; each holds its transaction open until all are accepted.
        var consumers = Enumerable.Range(0, slices).Select(_ => Task.Run(async () =>
        {
            using var connection = await ServerConnector.OpenAsync(_plan.Request.Target, failed.Token).ConfigureAwait(false);
            await PrepareSessionAsync(connection, failed.Token).ConfigureAwait(false);
            using var transaction = connection.BeginTransaction();
            // Not a bare await: when pg_restore cannot even start, no statement ever comes, and the stop must still reach here.
            await TaskWaits.WaitAsync(copyStatement.Task, failed.Token).ConfigureAwait(false);
            var statement = await copyStatement.Task.ConfigureAwait(false);
            var writer = (NpgsqlCopyTextWriter)connection.BeginTextImport(statement);
            try
            {
                // The rows go to the COPY stream as they came, never through the writer's characters.
                var stream = writer.BaseStream;
                while (await blocks.Reader.WaitToReadAsync(failed.Token).ConfigureAwait(false))
                {
                    while (blocks.Reader.TryRead(out var block))
                    {
                        try
                        {
                            await stream.WriteAsync(block.Buffer, block.Offset, block.Count, failed.Token).ConfigureAwait(false);
                            Interlocked.Add(ref bytes, block.Count);
                        }
                        finally
                        {
                            ArrayPool<byte>.Shared.Return(block.Buffer);
                        }
                    }
                }

                writer.Dispose(); // ends the COPY: the server's verdict on this slice comes here
                writer = null;
            }
            finally
            {
                if (writer is not null)
                {
                    CancelQuietly(writer);
                }
            }

            if (Interlocked.Increment(ref loaded) == slices)
            {
                allLoaded.TrySetResult(true);
            }

            await TaskWaits.WaitAsync(allLoaded.Task, failed.Token).ConfigureAwait(false);
            transaction.Commit();
        })).ToList();

        var useList = _folder.WriteOwnerOnlyFile("use-list-" + entry.DumpId.ToString(CultureInfo.InvariantCulture), entry.DumpId.ToString(CultureInfo.InvariantCulture) + ";\n");
        var decoder = ToolProcess.RunAsync(
            _pgRestore.Path,
            new[] { "--file=-", "--use-list=" + useList, "--no-password", _plan.Request.Path },
            _environment,
            line => _reporter.Verbose("pg_restore (" + name + "): " + line),
            failed.Token,
            readStandardOutput: stdout => SplitAsync(stdout, name, copyStatement, blocks.Writer, failed.Token));

        var all = new List<Task>(consumers) { decoder };
        try
        {
            await FirstFailureAsync(all, failed).ConfigureAwait(false);
            var result = await decoder.ConfigureAwait(false);
            if (result.ExitCode != 0)
            {
                throw new InvalidDataException("pg_restore could not read the entry from the archive: " + result.StandardError.Trim());
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && (ex is PostgresException or InvalidDataException || ex is OperationCanceledException))
        {
            var cause = all.Select(t => t.Exception?.InnerException).FirstOrDefault(e => e is PostgresException or InvalidDataException) ?? ex;
            var postgres = cause as PostgresException;
            lock (output)
            {
                output.Add(new HydraRestoreIssue(entry.DumpId, "TABLE DATA", (entry.Namespace ?? string.Empty) + " " + entry.Tag, postgres?.SqlState,
                    "The rows of " + name + " could not be loaded (none of them were kept): " + (postgres?.MessageText ?? cause.Message), null, false, HydraErrors.TableCopyFailed.Id));
            }

            return;
        }

        _reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "Loaded {0}: {1} of rows in {2:0.0} s over {3} connections.", name, Units.Bytes(Interlocked.Read(ref bytes)), clock.Elapsed.TotalSeconds, slices));
    }

    /// <summary>Waits for every task; the first that fails cancels the rest, and its failure is thrown once all have ended.</summary>
    private static async Task FirstFailureAsync(List<Task> tasks, CancellationTokenSource cancelOthers)
    {
        var pending = new List<Task>(tasks);
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending).ConfigureAwait(false);
            pending.Remove(done);
            if (done.IsFaulted || done.IsCanceled)
            {
                cancelOthers.Cancel();
            }
        }

        var failure = tasks.FirstOrDefault(t => t.IsFaulted && t.Exception!.InnerException is not OperationCanceledException) ?? tasks.FirstOrDefault(t => t.IsFaulted || t.IsCanceled);
        if (failure is not null)
        {
            await failure.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads pg_restore's script: the header up to the COPY statement, then the rows, dealt out
    /// in blocks that end at a newline, up to the line <c>\.</c>; the rest is read and dropped so
    /// that pg_restore can finish.
    /// </summary>
    private static async Task SplitAsync(Stream stdout, string name, TaskCompletionSource<string> copyStatement, ChannelWriter<Block> blocks, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BlockSize);
        var start = 0;
        var end = 0;
        var inData = false;
        try
        {
            while (true)
            {
                if (end == buffer.Length)
                {
                    // A line longer than the buffer (a big value): grow until it fits.
                    buffer = Grow(buffer, start, ref end, buffer.Length * 2);
                    start = 0;
                }

                var read = await stdout.ReadAsync(buffer, end, buffer.Length - end, cancellationToken).ConfigureAwait(false);
                var atEnd = read == 0;
                end += read;
                if (!inData)
                {
                    while (!inData && Array.IndexOf(buffer, (byte)'\n', start, end - start) is var newline and >= 0)
                    {
                        var line = Encoding.UTF8.GetString(buffer, start, newline - start);
                        start = newline + 1;
                        if (line.StartsWith("COPY ", StringComparison.Ordinal) && line.EndsWith(" FROM stdin;", StringComparison.Ordinal))
                        {
                            copyStatement.TrySetResult(line.Substring(0, line.Length - 1));
                            inData = true;
                        }
                    }

                    if (!inData)
                    {
                        if (atEnd)
                        {
                            throw new InvalidDataException("pg_restore wrote no COPY for " + name + ".");
                        }

                        buffer = Grow(buffer, start, ref end, buffer.Length);
                        start = 0;
                        continue;
                    }
                }

                // A pipe gives a few KB per read: blocks of half a buffer or more keep the COPYs' messages large.
                if (!atEnd && end - start < BlockSize / 2)
                {
                    continue;
                }

                var last = LastIndexOf(buffer, (byte)'\n', start, end - start);
                if (last < 0)
                {
                    if (atEnd)
                    {
                        throw new InvalidDataException("pg_restore's output ended inside the rows of " + name + ".");
                    }

                    continue; // not one whole row yet
                }

                var terminator = FindEndOfData(buffer, start, last + 1);
                var blockEnd = terminator >= 0 ? terminator : last + 1;
                if (blockEnd > start)
                {
                    // The rows go on in this buffer; what follows the last whole row moves to a new one.
                    var next = ArrayPool<byte>.Shared.Rent(BlockSize);
                    var tail = terminator >= 0 ? 0 : end - blockEnd;
                    Buffer.BlockCopy(buffer, blockEnd, next, 0, tail);
                    await blocks.WriteAsync(new Block(buffer, start, blockEnd - start), cancellationToken).ConfigureAwait(false);
                    buffer = next;
                    start = 0;
                    end = tail;
                }

                if (terminator >= 0)
                {
                    blocks.TryComplete();
                    await DrainAsync(stdout, buffer, cancellationToken).ConfigureAwait(false);
                    return;
                }

                if (atEnd)
                {
                    throw new InvalidDataException("pg_restore's output ended inside the rows of " + name + ".");
                }
            }
        }
        catch (Exception ex)
        {
            copyStatement.TrySetException(ex);
            blocks.TryComplete(ex);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Where the line <c>\.</c> starts in [start, end), which begins at a line start; -1 when it is not there.</summary>
    private static int FindEndOfData(byte[] buffer, int start, int end)
    {
        for (var i = start; i <= end - EndOfData.Length; i++)
        {
            i = Array.IndexOf(buffer, (byte)'\\', i, end - EndOfData.Length + 1 - i);
            if (i < 0)
            {
                return -1;
            }

            if ((i == start || buffer[i - 1] == (byte)'\n') && buffer[i + 1] == (byte)'.' && buffer[i + 2] == (byte)'\n')
            {
                return i;
            }
        }

        return -1;
    }

    private static int LastIndexOf(byte[] buffer, byte value, int start, int count)
    {
        for (var i = start + count - 1; i >= start; i--)
        {
            if (buffer[i] == value)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>A buffer of <paramref name="size"/> holding [start, end) of the old one at its beginning.</summary>
    private static byte[] Grow(byte[] buffer, int start, ref int end, int size)
    {
        var bigger = ArrayPool<byte>.Shared.Rent(size);
        Buffer.BlockCopy(buffer, start, bigger, 0, end - start);
        end -= start;
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
    }

    private static async Task DrainAsync(Stream stdout, byte[] buffer, CancellationToken cancellationToken)
    {
        while (await stdout.ReadAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false) > 0)
        {
        }
    }

    /// <summary>The session as pg_restore sets up its own before it copies rows.</summary>
    private async Task PrepareSessionAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder("SET statement_timeout = 0; SET lock_timeout = 0; SET idle_in_transaction_session_timeout = 0; SELECT pg_catalog.set_config('search_path', '', false); SET xmloption = content; SET row_security = off;");
        if (_plan.Request.Role is { } role)
        {
            sql.Append(" SET ROLE ").Append(Sql.Identifier(role)).Append(';');
        }

        using var command = new NpgsqlCommand(sql.ToString(), connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void CancelQuietly(NpgsqlCopyTextWriter writer)
    {
        try
        {
            writer.Cancel();
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException or ObjectDisposedException)
        {
            // The connection is broken already; closing it rolls the slice back.
        }
    }

    private readonly struct Block
    {
        public Block(byte[] buffer, int offset, int count)
        {
            Buffer = buffer;
            Offset = offset;
            Count = count;
        }

        public byte[] Buffer { get; }

        public int Offset { get; }

        public int Count { get; }
    }
}
