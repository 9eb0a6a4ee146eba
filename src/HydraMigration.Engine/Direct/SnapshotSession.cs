using System;
using System.Threading;
using System.Threading.Tasks;
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
        Catalog = new SourceCatalog(connection);
    }

    /// <summary>pg_export_snapshot()'s name, for pg_dump --snapshot and SET TRANSACTION SNAPSHOT.</summary>
    public string SnapshotId { get; }

    public ManifestSource Server { get; }

    /// <summary>The manifest's catalog queries, in the snapshot.</summary>
    public SourceCatalog Catalog { get; }

    /// <summary>The connection itself, for the copy planner's queries (in the snapshot too).</summary>
    public NpgsqlConnection Connection => _connection;

    public static async Task<SnapshotSession> OpenAsync(HydraConnection source, CancellationToken cancellationToken)
    {
        var connection = await ServerConnector.OpenAsync(source, cancellationToken).ConfigureAwait(false);
        try
        {
            var catalog = new SourceCatalog(connection);
            var snapshot = await catalog.ExportSnapshotAsync(cancellationToken).ConfigureAwait(false);
            var server = await catalog.ReadServerAsync(source, cancellationToken).ConfigureAwait(false);
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
