using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Catalog;
using HydraMigration.Infrastructure;
using Npgsql;

namespace HydraMigration.Dump;

/// <summary>
/// The transaction whose snapshot pg_dump imports, and the row counts taken in it: what the
/// manifest reads here (the catalog too, through <see cref="CatalogReader"/> on the same
/// connection) is what the archive holds.
/// </summary>
internal sealed class SnapshotTransaction
{
    private readonly NpgsqlConnection _connection;

    public SnapshotTransaction(NpgsqlConnection connection) => _connection = connection;

    public NpgsqlConnection Connection => _connection;

    /// <summary>Begins the snapshot transaction and exports its snapshot for pg_dump --snapshot.</summary>
    public async Task<string> ExportSnapshotAsync(CancellationToken cancellationToken)
    {
        // One batch, so the session is never idle inside the transaction before the timeouts are
        // off: a server with a short idle_in_transaction_session_timeout would end it right there.
        // The transaction then sits idle while pg_dump runs and counts may take long, so the
        // server's timeouts must not apply (pg_dump turns them off for its own sessions too); and a
        // parallel count would take every core from pg_dump for a moment.
        var sql = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;"
            + " SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = 0; SET LOCAL idle_in_transaction_session_timeout = 0;"
            + (_connection.PostgreSqlVersion.Major >= 17 ? " SET LOCAL transaction_timeout = 0;" : string.Empty)
            + " SET LOCAL max_parallel_workers_per_gather = 0;"
            + " SELECT pg_catalog.pg_export_snapshot();";
        using var command = new NpgsqlCommand(sql, _connection);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        do
        {
            if (reader.FieldCount > 0 && await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return reader.GetString(0);
            }
        }
        while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));

        throw new InvalidOperationException("pg_export_snapshot() returned no snapshot.");
    }

    /// <summary>
    /// Exact rows of each table (ONLY: partitions and inheritance children are counted on their
    /// own), in the order given: one query of UNION ALLed counts per batch of tables, so many
    /// small tables cost one round trip, not one each.
    /// </summary>
    public async Task<long[]> CountRowsAsync(IReadOnlyList<CatalogTable> tables, CancellationToken cancellationToken)
    {
        // A batch's text stays well under a megabyte, and its plan under a second.
        const int Batch = 500;
        var counts = new long[tables.Count];
        for (var first = 0; first < tables.Count; first += Batch)
        {
            var sql = new StringBuilder();
            for (var i = first; i < Math.Min(first + Batch, tables.Count); i++)
            {
                sql.Append(i == first ? string.Empty : " UNION ALL ")
                    .Append("SELECT ").Append(i.ToString(CultureInfo.InvariantCulture)).Append(", count(*) FROM ONLY ").Append(Sql.Qualified(tables[i].Schema, tables[i].Name));
            }

            using var command = new NpgsqlCommand(sql.ToString(), _connection);
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                counts[reader.GetInt32(0)] = reader.GetInt64(1);
            }
        }

        return counts;
    }

    /// <summary>
    /// Exact rows of one table, counted in steps through a cursor (MOVE reports how many rows it
    /// passed, at sequential-scan cost, without sending them) with <paramref name="pause"/>
    /// between steps: the count then takes only the CPU a busy pg_dump leaves idle.
    /// </summary>
    public async Task<long> CountRowsInStepsAsync(string schema, string name, Func<TimeSpan, TimeSpan> pause, CancellationToken cancellationToken)
    {
        const int Step = 200_000;
        await ExecuteAsync("DECLARE hydra_row_count NO SCROLL CURSOR FOR SELECT FROM ONLY " + Sql.Qualified(schema, name), cancellationToken).ConfigureAwait(false);
        long rows = 0;
        var clock = new System.Diagnostics.Stopwatch();
        while (true)
        {
            clock.Restart();
            using var command = new NpgsqlCommand("MOVE FORWARD " + Step.ToString(CultureInfo.InvariantCulture) + " IN hydra_row_count", _connection);
            var moved = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            rows += moved;
            if (moved < Step)
            {
                break;
            }

            var wait = pause(clock.Elapsed);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }
        }

        await ExecuteAsync("CLOSE hydra_row_count", cancellationToken).ConfigureAwait(false);
        return rows;
    }

    public Task EndSnapshotAsync(CancellationToken cancellationToken) => ExecuteAsync("COMMIT", cancellationToken);

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand(sql, _connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
