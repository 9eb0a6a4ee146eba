using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Infrastructure;
using Npgsql;

namespace HydraMigration.Dump;

/// <summary>
/// The catalog queries behind a manifest. They all run on one connection inside the
/// transaction whose snapshot pg_dump imports, so what they report is what the archive holds.
/// </summary>
internal sealed class SourceCatalog
{
    private readonly NpgsqlConnection _connection;

    public SourceCatalog(NpgsqlConnection connection) => _connection = connection;

    public async Task<ManifestSource> ReadServerAsync(HydraConnection source, CancellationToken cancellationToken)
    {
        const string sql = @"SELECT current_setting('server_version'), current_setting('server_version_num')::int,
       pg_catalog.pg_encoding_to_char(d.encoding), d.datcollate, d.datctype, current_user
FROM pg_catalog.pg_database d WHERE d.datname = current_database()";
        using var command = new NpgsqlCommand(sql, _connection);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new ManifestSource
        {
            Host = source.HostName,
            Port = source.Port,
            Database = source.Database,
            ServerVersion = reader.GetString(0).Split(' ')[0],
            ServerVersionNum = reader.GetInt32(1),
            Encoding = reader.GetString(2),
            Collate = reader.GetString(3),
            Ctype = reader.GetString(4),
            User = reader.GetString(5),
        };
    }

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

    /// <summary>Ordinary and partitioned tables pg_dump could dump (no system, temporary or extension-owned ones).</summary>
    public async Task<List<SourceTable>> ReadTablesAsync(CancellationToken cancellationToken)
    {
        const string sql = @"SELECT c.oid, n.nspname, c.relname, c.relkind::text, am.amname,
       pg_catalog.pg_table_is_visible(c.oid), CASE WHEN c.relkind = 'r' THEN pg_catalog.pg_table_size(c.oid) ELSE 0 END
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
WHERE c.relkind IN ('r', 'p') AND c.relpersistence <> 't'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY n.nspname, c.relname";
        var tables = new List<SourceTable>();
        using var command = new NpgsqlCommand(sql, _connection);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tables.Add(new SourceTable(
                reader.GetFieldValue<uint>(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetString(3)[0],
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.GetBoolean(5),
                reader.GetInt64(6)));
        }

        return tables;
    }

    public async Task<List<ManifestExtension>> ReadExtensionsAsync(CancellationToken cancellationToken)
    {
        const string sql = @"SELECT e.extname, e.extversion, n.nspname FROM pg_catalog.pg_extension e
JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace ORDER BY e.extname";
        var extensions = new List<ManifestExtension>();
        using var command = new NpgsqlCommand(sql, _connection);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            extensions.Add(new ManifestExtension { Name = reader.GetString(0), Version = reader.GetString(1), Schema = reader.GetString(2) });
        }

        return extensions;
    }

    /// <summary>
    /// Per-table options from columnar.options, keyed by table OID. Hydra's table names the key
    /// column "regclass"; Citus's later view calls it "relation": both are read.
    /// </summary>
    public async Task<Dictionary<uint, ColumnarOptions>> ReadColumnarOptionsAsync(CancellationToken cancellationToken)
    {
        var options = new Dictionary<uint, ColumnarOptions>();
        const string keySql = @"SELECT a.attname FROM pg_catalog.pg_attribute a
WHERE a.attrelid = pg_catalog.to_regclass('columnar.options') AND a.attname IN ('regclass', 'relation') AND NOT a.attisdropped";
        string? keyColumn;
        using (var keyCommand = new NpgsqlCommand(keySql, _connection))
        {
            keyColumn = await keyCommand.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        }

        if (keyColumn is null)
        {
            return options;
        }

        var sql = "SELECT " + Sql.Identifier(keyColumn) + "::oid, chunk_group_row_limit, stripe_row_limit, compression::text, compression_level FROM columnar.options";
        using var command = new NpgsqlCommand(sql, _connection);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            options[reader.GetFieldValue<uint>(0)] = new ColumnarOptions
            {
                ChunkGroupRowLimit = reader.IsDBNull(1) ? null : reader.GetInt32(1),
                StripeRowLimit = reader.IsDBNull(2) ? null : reader.GetInt32(2),
                Compression = reader.IsDBNull(3) ? null : reader.GetString(3),
                CompressionLevel = reader.IsDBNull(4) ? null : reader.GetInt32(4),
            };
        }

        return options;
    }

    /// <summary>ALTER DATABASE … SET and ALTER ROLE … IN DATABASE … SET for this database.</summary>
    public async Task<List<ManifestDatabaseSetting>> ReadDatabaseSettingsAsync(CancellationToken cancellationToken)
    {
        const string sql = @"SELECT r.rolname, s.setconfig FROM pg_catalog.pg_db_role_setting s
LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
WHERE s.setdatabase = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
ORDER BY r.rolname NULLS FIRST";
        var settings = new List<ManifestDatabaseSetting>();
        using var command = new NpgsqlCommand(sql, _connection);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var role = reader.IsDBNull(0) ? null : reader.GetString(0);
            foreach (var entry in reader.GetFieldValue<string[]>(1))
            {
                var eq = entry.IndexOf('=');
                settings.Add(new ManifestDatabaseSetting
                {
                    Role = role,
                    Name = eq < 0 ? entry : entry.Substring(0, eq),
                    Value = eq < 0 ? string.Empty : entry.Substring(eq + 1),
                });
            }
        }

        return settings;
    }

    /// <summary>Owners of the given tables and of their schemas, for plain-format dumps that have no TOC to read.</summary>
    public async Task<List<string>> ReadOwnersAsync(IEnumerable<uint> tableOids, CancellationToken cancellationToken)
    {
        const string sql = @"SELECT DISTINCT r.rolname FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_roles r ON r.oid IN (c.relowner, n.nspowner)
WHERE c.oid = ANY(@oids::bigint[]::oid[]) ORDER BY 1";
        var roles = new List<string>();
        using var command = new NpgsqlCommand(sql, _connection);
        command.Parameters.AddWithValue("oids", tableOids.Select(o => (long)o).ToArray());
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            roles.Add(reader.GetString(0));
        }

        return roles;
    }

    /// <summary>Exact rows of one table (ONLY: partitions and inheritance children are counted on their own).</summary>
    public async Task<long> CountRowsAsync(string schema, string name, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand("SELECT count(*) FROM ONLY " + Sql.Qualified(schema, name), _connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
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
