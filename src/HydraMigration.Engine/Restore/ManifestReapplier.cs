using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Infrastructure;
using Npgsql;

namespace HydraMigration.Restore;

/// <summary>
/// Puts back what pg_dump leaves out: Hydra columnar options (they live only in
/// columnar.options, which the extension does not dump) and ALTER DATABASE … SET settings
/// (which travel only with pg_dump --create).
/// </summary>
internal static class ManifestReapplier
{
    // pg_dump's variable_is_guc_list_quote: list settings whose elements are quoted identifiers.
    private static readonly HashSet<string> ListQuoted = new(StringComparer.Ordinal)
    {
        "local_preload_libraries", "search_path", "session_preload_libraries", "shared_preload_libraries", "temp_tablespaces", "unix_socket_directories",
    };

    /// <summary>Sets each table's options with columnar.alter_columnar_table_set, before its rows arrive.</summary>
    public static async Task<int> ApplyColumnarOptionsAsync(NpgsqlConnection connection, RestorePlan plan, PgRestoreOutput output, IOperationReporter reporter, CancellationToken cancellationToken)
    {
        var applied = 0;
        const string sql = "SELECT columnar.alter_columnar_table_set(@table::regclass, chunk_group_row_limit => @chunk, stripe_row_limit => @stripe, compression => @compression::name, compression_level => @level)";
        foreach (var table in plan.ColumnarOptionsToApply)
        {
            var options = table.Columnar!;
            using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue("table", Sql.Qualified(table.Schema, table.Name));
            command.Parameters.AddWithValue("chunk", NpgsqlTypes.NpgsqlDbType.Integer, (object?)options.ChunkGroupRowLimit ?? System.DBNull.Value);
            command.Parameters.AddWithValue("stripe", NpgsqlTypes.NpgsqlDbType.Integer, (object?)options.StripeRowLimit ?? System.DBNull.Value);
            command.Parameters.AddWithValue("compression", NpgsqlTypes.NpgsqlDbType.Text, (object?)options.Compression ?? System.DBNull.Value);
            command.Parameters.AddWithValue("level", NpgsqlTypes.NpgsqlDbType.Integer, (object?)options.CompressionLevel ?? System.DBNull.Value);
            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                applied++;
            }
            catch (PostgresException ex)
            {
                // One table's failure (it was not created, say) must not cost the others their options or the restore its data.
                output.Add(new HydraRestoreIssue(null, "TABLE", table.Schema + "." + table.Name, ex.SqlState, "Columnar options could not be set: " + ex.MessageText, command.CommandText, false, HydraErrors.ColumnarOptionsFailed.Id));
                continue;
            }

            reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "Columnar options of {0}: chunk_group_row_limit {1}, stripe_row_limit {2}, compression {3}, level {4}.", Sql.Qualified(table.Schema, table.Name), options.ChunkGroupRowLimit, options.StripeRowLimit, options.Compression, options.CompressionLevel));
        }

        return applied;
    }

    /// <summary>ALTER DATABASE (or ALTER ROLE … IN DATABASE) … SET for every recorded setting.</summary>
    public static async Task<int> ApplyDatabaseSettingsAsync(NpgsqlConnection connection, RestorePlan plan, PgRestoreOutput output, IOperationReporter reporter, CancellationToken cancellationToken)
    {
        var applied = 0;
        var database = Sql.Identifier(plan.Request.Target.Database);
        foreach (var setting in plan.SettingsToApply)
        {
            var sql = (setting.Role is null ? "ALTER DATABASE " + database : "ALTER ROLE " + Sql.Identifier(setting.Role) + " IN DATABASE " + database)
                + " SET " + Sql.Identifier(setting.Name) + " TO " + ValueList(setting);
            using var command = new NpgsqlCommand(sql, connection);
            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                applied++;
                reporter.Verbose(sql);
            }
            catch (PostgresException ex)
            {
                // A managed service may refuse a superuser-only setting: record it, keep the others.
                output.Add(new HydraRestoreIssue(null, "DATABASE PROPERTIES", setting.Name, ex.SqlState, "Setting could not be re-applied: " + ex.MessageText, sql, false, HydraErrors.DatabaseSettingFailed.Id));
            }
        }

        return applied;
    }

    /// <summary>
    /// The SET value. List settings whose elements are identifiers (search_path…) are stored as
    /// "\"$user\", public": each element becomes its own literal, as pg_dump does, or the list
    /// would come back as one odd name. Everything else is one literal.
    /// </summary>
    internal static string ValueList(ManifestDatabaseSetting setting)
    {
        if (!ListQuoted.Contains(setting.Name.ToLowerInvariant()))
        {
            return Sql.Literal(setting.Value);
        }

        var elements = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        var wasQuoted = false;
        for (var i = 0; i < setting.Value.Length; i++)
        {
            var c = setting.Value[i];
            if (c == '"')
            {
                if (quoted && i + 1 < setting.Value.Length && setting.Value[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else
                {
                    if (!quoted && !wasQuoted)
                    {
                        current.Clear(); // blanks before the opening quote
                    }

                    quoted = !quoted;
                    wasQuoted = true;
                }
            }
            else if (c == ',' && !quoted)
            {
                elements.Add(wasQuoted ? current.ToString() : current.ToString().Trim());
                current.Clear();
                wasQuoted = false;
            }
            else if (quoted || !wasQuoted)
            {
                current.Append(c); // blanks after a closing quote are dropped
            }
        }

        elements.Add(wasQuoted ? current.ToString() : current.ToString().Trim());
        return string.Join(", ", elements.Select(Sql.Literal));
    }
}
