using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Connections;
using Npgsql;

namespace HydraMigration.Validation;

/// <summary>
/// At most N open connections to one server, opened as work needs them and handed to one
/// piece of work at a time: the bound that -ThrottleLimit sets per server. Sessions are
/// read-only, and their output settings are pinned so both servers print values alike.
/// </summary>
internal sealed class ConnectionPool : IAsyncDisposable
{
    // Read-only, no timeouts that a managed server's defaults could impose on a long count;
    // the server's own parallel workers are off because the pool already runs tables in
    // parallel (workers on top would only oversubscribe the cores); text output of dates,
    // floats and bytea is pinned so a row hashes the same on both servers.
    private const string SessionSetup = "SET default_transaction_read_only = on; SET statement_timeout = 0; SET lock_timeout = 0;"
        + " SET idle_in_transaction_session_timeout = 0; SET max_parallel_workers_per_gather = 0; SET search_path = pg_catalog;"
        + " SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 3; SET bytea_output = 'hex'; SET lc_monetary = 'C'";

    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentBag<NpgsqlConnection> _idle = new();
    private readonly ConcurrentBag<NpgsqlConnection> _all = new();

    public ConnectionPool(HydraConnection server, int size)
    {
        Server = server;
        _slots = new SemaphoreSlim(size, size);
    }

    public HydraConnection Server { get; }

    /// <summary>Runs <paramref name="work"/> on a pooled connection once one is free; query failures name the server.</summary>
    public async Task<T> RunAsync<T>(Func<NpgsqlConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = _idle.TryTake(out var idle) ? idle : await OpenAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var result = await work(connection).ConfigureAwait(false);
                _idle.Add(connection);
                return result;
            }
            catch (NpgsqlException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw ServerConnector.QueryFailed(ex, Server);
            }
        }
        finally
        {
            _slots.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        while (_all.TryTake(out var connection))
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        _slots.Dispose();
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = await ServerConnector.OpenAsync(Server, cancellationToken).ConfigureAwait(false);
        _all.Add(connection);
        using var command = new NpgsqlCommand(SessionSetup, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }
}
