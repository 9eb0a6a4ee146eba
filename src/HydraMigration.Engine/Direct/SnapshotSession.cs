using System;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Catalog;
using HydraMigration.Connections;
using HydraMigration.Dump;
using Npgsql;

namespace HydraMigration.Direct;

/// <summary>
/// The source connection whose REPEATABLE READ transaction exports the copy's snapshot. It stays
/// open until every worker has copied its rows: a snapshot can only be imported while the
/// transaction that exported it lives. The schema dump, the manifest's facts and each worker's
/// rows all see this one state of the source, however busy it is.
/// </summary>
internal sealed class SnapshotSession : IDisposable
{
    private readonly NpgsqlConnection _connection;

    private SnapshotSession(NpgsqlConnection connection, string snapshot, ManifestSource server)
    {
        _connection = connection;
        SnapshotId = snapshot;
        Server = server;
        Transaction = new SnapshotTransaction(connection);
        Catalog = new CatalogReader(connection);
    }

    /// <summary>pg_export_snapshot()'s name, for pg_dump --snapshot and SET TRANSACTION SNAPSHOT.</summary>
    public string SnapshotId { get; }

    public ManifestSource Server { get; }

    /// <summary>The snapshot's transaction (what the manifest collector counts and reads in).</summary>
    public SnapshotTransaction Transaction { get; }

    /// <summary>The one catalog reader, in the snapshot.</summary>
    public CatalogReader Catalog { get; }

    /// <summary>The connection itself, for the copy planner's queries (in the snapshot too).</summary>
    public NpgsqlConnection Connection => _connection;

    public static async Task<SnapshotSession> OpenAsync(HydraConnection source, CancellationToken cancellationToken)
    {
        var connection = await ServerConnector.OpenAsync(source, cancellationToken).ConfigureAwait(false);
        try
        {
            var snapshot = await new SnapshotTransaction(connection).ExportSnapshotAsync(cancellationToken).ConfigureAwait(false);
            var server = await new CatalogReader(connection).ReadServerAsync(source, cancellationToken).ConfigureAwait(false);
            return new SnapshotSession(connection, snapshot, server);
        }
        catch (NpgsqlException ex)
        {
            connection.Dispose();
            throw ServerConnector.QueryFailed(ex, source);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Closing the connection ends the read-only transaction: nothing to commit, and the source's vacuum may go on.</summary>
    public void Dispose() => _connection.Dispose();
}
