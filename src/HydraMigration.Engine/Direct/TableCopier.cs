using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Connections;
using HydraMigration.Infrastructure;
using Npgsql;

namespace HydraMigration.Direct;

/// <summary>
/// The data phase: <c>Jobs</c> workers take items off the queue (biggest first), each with one
/// source session in a transaction that imports the snapshot and one target session, and
/// stream <c>COPY … TO STDOUT</c> into <c>COPY … FROM STDIN</c> as raw bytes — nothing is
/// decoded or re-encoded on the way. The first failure, or Ctrl+C, cancels every worker; each
/// then aborts its COPYs and closes both sessions, so no server is left streaming.
/// </summary>
internal sealed class TableCopier
{
    private const int BufferSize = 256 * 1024;

    private readonly DirectCopyRequest _request;
    private readonly string _snapshot;
    private readonly IOperationReporter _reporter;
    private readonly ConcurrentDictionary<string, long> _rows = new(StringComparer.Ordinal);

    public TableCopier(DirectCopyRequest request, string snapshot, IOperationReporter reporter)
    {
        _request = request;
        _snapshot = snapshot;
        _reporter = reporter;
    }

    /// <summary>Rows copied per table ("schema.name"), counted from the streams themselves.</summary>
    public IReadOnlyDictionary<string, long> Rows => _rows;

    public async Task RunAsync(IReadOnlyList<CopyWorkItem> items, CancellationToken cancellationToken)
    {
        var queue = new ConcurrentQueue<CopyWorkItem>(items);
        var progress = new CopyProgress(items.Sum(i => i.Bytes), items.Count);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var workers = Enumerable.Range(0, Math.Max(1, Math.Min(_request.Jobs, items.Count)))
            .Select(n => Task.Run(() => WorkAsync(n + 1, queue, progress, stop), CancellationToken.None))
            .ToList();
        var reporting = ReportAsync(progress, stop.Token);

        try
        {
            await Task.WhenAll(workers).ConfigureAwait(false);
        }
        catch
        {
            // The first real failure is the one to report, not the cancellations it caused.
            var failure = workers.Where(w => w.IsFaulted).Select(w => w.Exception!.InnerException!).FirstOrDefault(e => e is not OperationCanceledException);
            if (failure is not null)
            {
                throw failure;
            }

            throw;
        }
        finally
        {
            stop.Cancel();
            await reporting.ConfigureAwait(false);
        }
    }

    private async Task ReportAsync(CopyProgress progress, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            _reporter.Progress(progress.Report("Copy-HydraDatabase: rows"));
            try
            {
                await Task.Delay(500, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task WorkAsync(int worker, ConcurrentQueue<CopyWorkItem> queue, CopyProgress progress, CancellationTokenSource stop)
    {
        var token = stop.Token;
        NpgsqlConnection? source = null;
        NpgsqlConnection? target = null;
        var cancels = new List<Task>();
        try
        {
            source = await OpenSourceAsync(token).ConfigureAwait(false);
            target = await OpenTargetAsync(token).ConfigureAwait(false);

            // A stop must reach the servers themselves: the end of a COPY into a slow target (the
            // rows are sent, the server is still inserting them) waits for the server, not for us.
            int sourcePid = source.ProcessID, targetPid = target.ProcessID;
            using var onStop = token.Register(() =>
            {
                lock (cancels)
                {
                    cancels.Add(CancelBackendAsync(_request.Source, sourcePid));
                    cancels.Add(CancelBackendAsync(_request.Target, targetPid));
                }
            });
            while (queue.TryDequeue(out var item))
            {
                token.ThrowIfCancellationRequested();
                await CopyAsync(worker, item, source, target, progress, token).ConfigureAwait(false);
            }
        }
        catch
        {
            stop.Cancel(); // the others stop too
            throw;
        }
        finally
        {
            // Closing ends the source's read-only transaction and any COPY still open on either side.
            source?.Dispose();
            target?.Dispose();
            Task[] started;
            lock (cancels)
            {
                started = cancels.ToArray();
            }

            await Task.WhenAll(started).ConfigureAwait(false);
        }
    }

    /// <summary>pg_cancel_backend from a session of its own (the login may signal its own backends); never throws.</summary>
    private static async Task CancelBackendAsync(HydraConnection server, int pid)
    {
        try
        {
            using var connection = await ServerConnector.OpenAsync(server, CancellationToken.None).ConfigureAwait(false);
            using var command = new NpgsqlCommand("SELECT pg_catalog.pg_cancel_backend(@pid)", connection);
            command.Parameters.AddWithValue("pid", pid);
            await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or HydraException or TimeoutException or System.IO.IOException)
        {
            // The session is closed next anyway; a server that cannot be reached has no COPY to stop.
        }
    }

    private async Task<NpgsqlConnection> OpenSourceAsync(CancellationToken token)
    {
        var connection = await ServerConnector.OpenAsync(_request.Source, token).ConfigureAwait(false);
        try
        {
            // SET TRANSACTION SNAPSHOT must come first in the transaction; the timeouts are off as on the exporting session.
            var sql = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET TRANSACTION SNAPSHOT " + Sql.Literal(_snapshot) + ";"
                + " SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = 0; SET LOCAL idle_in_transaction_session_timeout = 0;"
                + (connection.PostgreSqlVersion.Major >= 17 ? " SET LOCAL transaction_timeout = 0;" : string.Empty);
            using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync(token).ConfigureAwait(false);
            return connection;
        }
        catch (NpgsqlException ex)
        {
            connection.Dispose();
            throw ServerConnector.QueryFailed(ex, _request.Source);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private async Task<NpgsqlConnection> OpenTargetAsync(CancellationToken token)
    {
        var connection = await ServerConnector.OpenAsync(_request.Target, token).ConfigureAwait(false);
        try
        {
            // The rows of a database that is dropped on any failure: a commit need not wait for the disk.
            using var command = new NpgsqlCommand("SET statement_timeout = 0; SET lock_timeout = 0; SET idle_in_transaction_session_timeout = 0; SET synchronous_commit = off", connection);
            await command.ExecuteNonQueryAsync(token).ConfigureAwait(false);
            return connection;
        }
        catch (NpgsqlException ex)
        {
            connection.Dispose();
            throw ServerConnector.QueryFailed(ex, _request.Target);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private async Task CopyAsync(int worker, CopyWorkItem item, NpgsqlConnection source, NpgsqlConnection target, CopyProgress progress, CancellationToken token)
    {
        var clock = Stopwatch.StartNew();
        var table = item.Table;
        var counter = new CopyRowCounter(table.Binary);
        long streamed = 0;
        var side = CopySide.Target;
        try
        {
            // A columnar table is loaded by one COPY in one transaction: its rows form full stripes.
            if (table.Columnar)
            {
                await ExecuteAsync(target, "BEGIN", token).ConfigureAwait(false);
            }

            if (table.Binary)
            {
                side = CopySide.Source;
                using var reader = await source.BeginRawBinaryCopyAsync(item.SourceCopySql(), token).ConfigureAwait(false);
                side = CopySide.Target;
                var writer = await target.BeginRawBinaryCopyAsync(table.TargetCopySql(), token).ConfigureAwait(false);
                try
                {
                    var buffer = new byte[BufferSize];
                    while (true)
                    {
                        side = CopySide.Source;
                        var read = await reader.ReadAsync(buffer, 0, buffer.Length, token).ConfigureAwait(false);
                        if (read == 0)
                        {
                            break;
                        }

                        counter.AddBinary(buffer, 0, read);
                        side = CopySide.Target;
                        await writer.WriteAsync(buffer, 0, read, token).ConfigureAwait(false);
                        progress.AddStreamed(read, item.Bytes, streamed);
                        streamed += read;
                    }
                }
                catch
                {
                    // Disposing a raw import would commit what arrived so far: abort it instead.
                    Quietly(writer.Cancel);
                    throw;
                }

                side = CopySide.Target;
                writer.Dispose(); // ends the COPY: the target commits (or refuses) the rows here
            }
            else
            {
                side = CopySide.Source;
                using var reader = await source.BeginTextExportAsync(item.SourceCopySql(), token).ConfigureAwait(false);
                side = CopySide.Target;
                var writer = await target.BeginTextImportAsync(table.TargetCopySql(), token).ConfigureAwait(false);
                try
                {
                    var buffer = new char[BufferSize / 2];
                    while (true)
                    {
                        token.ThrowIfCancellationRequested();
                        side = CopySide.Source;
                        var read = await reader.ReadAsync(buffer, 0, buffer.Length).ConfigureAwait(false);
                        if (read == 0)
                        {
                            break;
                        }

                        counter.AddText(buffer, read);
                        side = CopySide.Target;
                        await writer.WriteAsync(buffer, 0, read).ConfigureAwait(false);
                        progress.AddStreamed(read, item.Bytes, streamed);
                        streamed += read;
                    }
                }
                catch
                {
                    Quietly(((NpgsqlCopyTextWriter)writer).Cancel);
                    throw;
                }

                side = CopySide.Target;
                writer.Dispose();
            }

            if (table.Columnar)
            {
                await ExecuteAsync(target, "COMMIT", token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or System.IO.IOException or TimeoutException)
        {
            // Once stopping, a COPY the servers cancelled is the stop, not a failure of its own.
            throw token.IsCancellationRequested ? new OperationCanceledException(token) : await CopyFailureAsync(item, side, ex).ConfigureAwait(false);
        }

        progress.ItemDone(item.Bytes, streamed);
        _rows.AddOrUpdate(table.DisplayName, counter.Rows, (_, before) => before + counter.Rows);
        _reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "Worker {0}: copied {1}: {2} rows, {3} in {4:0.000} s ({5}{6}).", worker, item.Describe(), counter.Rows, Units.Bytes(streamed), clock.Elapsed.TotalSeconds, table.Binary ? "binary COPY" : "text COPY", table.Columnar ? ", columnar, one transaction" : string.Empty));
    }

    private enum CopySide
    {
        Source,
        Target,
    }

    /// <summary>
    /// What went wrong, naming the table: the server on that side no longer answers
    /// (TargetConnectionLost / SourceConnectionLost), the session alone was ended
    /// (TableCopyConnectionLost: a terminated backend, a dropped connection), or the server
    /// refused the rows (TableCopyFailed, with its SQLSTATE).
    /// </summary>
    private async Task<HydraException> CopyFailureAsync(CopyWorkItem item, CopySide side, Exception ex)
    {
        var server = side == CopySide.Source ? _request.Source : _request.Target;
        var what = side == CopySide.Source ? "reading the rows of " + item.Describe() + " from the source " : "writing the rows of " + item.Describe() + " into the target ";
        if (ServerConnector.TunnelLost(server, ex) is { } tunnel)
        {
            return tunnel;
        }

        var pg = ex as PostgresException ?? ex.InnerException as PostgresException;
        var sessionEnded = pg is null || pg.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow;
        if (!sessionEnded)
        {
            return new HydraException(HydraErrors.TableCopyFailed, string.Format(CultureInfo.InvariantCulture,
                "Copying table {0} failed while {1}{2}: {3} (SQLSTATE {4}). The copy stopped.", item.Table.DisplayName, what, server.ServerDisplay, pg!.MessageText, pg.SqlState), item.Table.DisplayName, ex);
        }

        if (!await AnswersAsync(server).ConfigureAwait(false))
        {
            return new HydraException(side == CopySide.Source ? HydraErrors.SourceConnectionLost : HydraErrors.TargetConnectionLost, string.Format(CultureInfo.InvariantCulture,
                "The {0} server {1} went away while {2}and does not answer any more ({3}); the copy did not finish. Bring the server back and copy again.", side == CopySide.Source ? "source" : "target", server.ServerDisplay, what, Innermost(ex).Message.TrimEnd('.')), item.Table.DisplayName, ex);
        }

        return new HydraException(HydraErrors.TableCopyConnectionLost, string.Format(CultureInfo.InvariantCulture,
            "The session copying table {0} was ended while {1}{2}: {3}. The server still answers: its backend was terminated (pg_terminate_backend, an idle or statement timeout) or the connection dropped. The copy stopped; copy again.", item.Table.DisplayName, what, server.ServerDisplay, (pg?.MessageText ?? Innermost(ex).Message).TrimEnd('.')), item.Table.DisplayName, ex);
    }

    private static async Task<bool> AnswersAsync(HydraConnection server)
    {
        try
        {
            using var probe = await ServerConnector.OpenAsync(server, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        catch (HydraException ex) when (ex.Category == ErrorCategory.ConnectionError)
        {
            return false;
        }
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }

        return ex;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken token)
    {
        using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(token).ConfigureAwait(false);
    }

    private static void Quietly(Action action)
    {
        try
        {
            action();
        }
        catch (Exception ex) when (ex is NpgsqlException or System.IO.IOException or ObjectDisposedException or InvalidOperationException or TimeoutException)
        {
            // The connection is already broken; it is closed next.
        }
    }
}
