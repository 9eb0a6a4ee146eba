using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Infrastructure;
using Npgsql;

namespace HydraMigration.Catalog;

/// <summary>
/// The one reader of a database's catalog, in one shape (<see cref="CatalogSnapshot"/>): for
/// both sides of a validation, and for the dump's manifest (where it runs inside the exported
/// snapshot, so the manifest describes what pg_dump saw). Every kind of object is read by one
/// set-based query, whatever the number of tables; the queries of a reading go in one batch.
/// System schemas, extension members (pg_depend 'e': the columnar extension's own schema,
/// tables and functions) and temporary objects are left out, as pg_dump leaves them out.
/// </summary>
internal sealed class CatalogReader
{
    public const string PartitionedTable = "partitioned table";

    // Schemas a dump carries: not the system's, not temporary, not an extension's own.
    private const string UserSchema = @"n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp)'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')";

    // The tables, with how a dump's patterns see them (visibility under the login's own
    // search_path, so read before the objects pin it; only when a pattern names no schema, the
    // one case pg_dump asks it: 15 ms of server time on 5,000 tables, spent on the cores pg_dump
    // needs while it runs) and sizes. A size is the table's rows on disk, its main fork and its
    // TOAST table's, measured: a TOAST table's relpages stays 0 until it is first vacuumed, and
    // a freshly loaded table of large values would look small to the restore's split and to
    // scheduling. pg_table_size would also measure the free space and visibility maps and the
    // TOAST index, three times the files to look at on a database of many tables.
    private const string TablesSql = @"
SELECT c.oid, n.nspname, c.relname, c.relkind::text, am.amname,
       {visible},
       CASE WHEN c.relkind = 'r' THEN pg_catalog.pg_relation_size(c.oid) + coalesce(pg_catalog.pg_relation_size(NULLIF(c.reltoastrelid, 0)), 0) ELSE 0 END
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
WHERE c.relkind IN ('r', 'p') AND c.relpersistence <> 't' AND " + UserSchema + " AND {c.oid}";

    // The first statement pins search_path for this batch (one implicit transaction up to Sync,
    // or the dump's snapshot transaction): pg_get_viewdef, format_type and friends qualify every
    // name the search path does not cover, so a lost ALTER DATABASE … SET search_path on the
    // target shows as that setting's failure, not as every view and function differing. The
    // tables' facts are joined once over pg_attribute and pg_index, not read by subqueries per
    // table: the same text, with a third less catalog reading on a database of many tables.
    // Primary keys are read for tables only: every TOAST table's index is a primary key too,
    // and reading those doubled the keys' cost (55 of 270 ms on 5,000 tables).
    private const string ObjectsSql = @"
SELECT pg_catalog.set_config('search_path', 'pg_catalog', true);
SELECT current_database();
SELECT n.nspname, pg_catalog.pg_get_userbyid(n.nspowner) FROM pg_catalog.pg_namespace n WHERE " + UserSchema + @";
WITH columns AS (
  SELECT a.attrelid, array_agg(pg_catalog.quote_ident(a.attname) || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod)
                               || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
                               || coalesce(' DEFAULT ' || pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), '') ORDER BY a.attnum) AS columns
  FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
  WHERE c.relkind IN ('r', 'p') AND c.relpersistence <> 't' AND a.attnum > 0 AND NOT a.attisdropped AND " + UserSchema + @"
  GROUP BY a.attrelid),
primary_keys AS (
  SELECT i.indrelid, array_agg(a.attname::text ORDER BY k.ord) AS key,
         bool_or(k.ord = 1 AND a.atttypid IN ('pg_catalog.int2'::regtype, 'pg_catalog.int4'::regtype, 'pg_catalog.int8'::regtype)) AS integer_key
  FROM pg_catalog.pg_index i CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
  JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
  WHERE i.indisprimary AND i.indrelid IN (SELECT t.oid FROM pg_catalog.pg_class t WHERE t.relkind IN ('r', 'p'))
  GROUP BY i.indrelid)
SELECT c.oid, pg_catalog.pg_get_userbyid(c.relowner), c.reltuples::float8, columns.columns, primary_keys.key, coalesce(primary_keys.integer_key, false)
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN columns ON columns.attrelid = c.oid LEFT JOIN primary_keys ON primary_keys.indrelid = c.oid
WHERE c.relkind IN ('r', 'p') AND c.relpersistence <> 't' AND " + UserSchema + @";
SELECT n.nspname, c.relname, c.relkind::text, pg_catalog.pg_get_userbyid(c.relowner), pg_catalog.pg_get_viewdef(c.oid, true), c.relispopulated
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm') AND " + UserSchema + " AND " + "{c.oid}" + @";
SELECT n.nspname, p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')', p.prokind::text, pg_catalog.pg_get_userbyid(p.proowner),
       md5(CASE WHEN p.prokind IN ('f', 'p') THEN pg_catalog.pg_get_functiondef(p.oid) ELSE coalesce(p.prosrc, '') END),
       -- A PostgreSQL 13 procedure's text, to be rewritten as 14 and later write it (LegacyProcedureText).
       CASE WHEN p.prokind = 'p' AND pg_catalog.current_setting('server_version_num')::int < " + LegacyProcedureText.MarksInputModesFrom + @"
            THEN ARRAY[p.proname::text, pg_catalog.pg_get_function_identity_arguments(p.oid), pg_catalog.pg_get_function_arguments(p.oid), pg_catalog.pg_get_functiondef(p.oid)] END
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE " + UserSchema + " AND " + "{p.oid:pg_proc}" + @";
SELECT n.nspname, ic.relname, tc.relname, pg_catalog.pg_get_indexdef(i.indexrelid), i.indisvalid
FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid JOIN pg_catalog.pg_class tc ON tc.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
WHERE " + UserSchema + " AND " + "{tc.oid}" + @";
SELECT n.nspname, coalesce(tc.relname, ty.typname) || '.' || co.conname, tc.relname, co.contype::text, pg_catalog.pg_get_constraintdef(co.oid), co.convalidated
FROM pg_catalog.pg_constraint co JOIN pg_catalog.pg_namespace n ON n.oid = co.connamespace
LEFT JOIN pg_catalog.pg_class tc ON tc.oid = co.conrelid LEFT JOIN pg_catalog.pg_type ty ON ty.oid = co.contypid
WHERE (tc.oid IS NOT NULL OR ty.oid IS NOT NULL) AND " + UserSchema + " AND " + "{coalesce(tc.oid, 0)}" + " AND " + "{coalesce(ty.oid, 0):pg_type}" + @";
SELECT n.nspname, c.relname, pg_catalog.pg_get_userbyid(c.relowner), s.seqincrement,
       CASE WHEN NOT pg_catalog.has_sequence_privilege(c.oid, 'SELECT,USAGE') THEN NULL
            WHEN pg_catalog.pg_sequence_last_value(c.oid) IS NULL THEN s.seqstart::numeric
            ELSE pg_catalog.pg_sequence_last_value(c.oid)::numeric + s.seqincrement END,
       (SELECT t.relname FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
         WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_catalog.pg_class'::regclass
           AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i') LIMIT 1)
FROM pg_catalog.pg_sequence s JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE " + UserSchema + " AND " + "{c.oid}" + @";
SELECT n.nspname, c.relname || '.' || t.tgname, c.relname, pg_catalog.pg_get_triggerdef(t.oid), t.tgenabled::text
FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND " + UserSchema + " AND " + "{c.oid}" + @";
SELECT e.extname, e.extversion, n.nspname FROM pg_catalog.pg_extension e
JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace ORDER BY e.extname;
SELECT r.rolname, s.setconfig FROM pg_catalog.pg_db_role_setting s
LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
WHERE s.setdatabase = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
ORDER BY r.rolname NULLS FIRST";

    private static readonly string TablesQuery = ExpandExtensionFilters(TablesSql.Replace("{visible}", "pg_catalog.pg_table_is_visible(c.oid)"));
    private static readonly string TablesQueryWithoutVisibility = ExpandExtensionFilters(TablesSql.Replace("{visible}", "false"));
    private static readonly string ObjectsQuery = ExpandExtensionFilters(ObjectsSql);

    private readonly NpgsqlConnection _connection;

    public CatalogReader(NpgsqlConnection connection) => _connection = connection;

    /// <summary>Everything comparable about the database: its tables and every other object.</summary>
    public async Task<CatalogSnapshot> ReadAsync(CancellationToken cancellationToken) =>
        await ReadObjectsAsync(await ReadTablesAsync(visibility: false, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>Ordinary and partitioned tables pg_dump could dump (no system, temporary or extension-owned ones), in name order; their other facts come with <see cref="ReadObjectsAsync"/>.</summary>
    /// <param name="visibility">Whether to read <see cref="SourceTable.Visible"/> (false for every table when not).</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    public async Task<List<SourceTable>> ReadTablesAsync(bool visibility, CancellationToken cancellationToken)
    {
        var tables = new List<SourceTable>();
        using var command = new NpgsqlCommand(visibility ? TablesQuery : TablesQueryWithoutVisibility, _connection);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await ReadRowsAsync(reader, r => tables.Add(new SourceTable(
            new CatalogTable
            {
                Oid = r.GetFieldValue<uint>(0),
                Schema = r.GetString(1),
                Name = r.GetString(2),
                Kind = r.GetString(3) == "p" ? PartitionedTable : "table",
                AccessMethod = r.IsDBNull(4) ? null : r.GetString(4),
            },
            r.GetBoolean(5),
            r.GetInt64(6))), cancellationToken).ConfigureAwait(false);

        // In name order, so a manifest reads (and diffs) the same from one dump to the next.
        tables.Sort((a, b) => ByName(a.Schema, a.Name, b.Schema, b.Name));
        return tables;
    }

    /// <summary>
    /// The objects of the database, with <paramref name="tables"/>' columns, keys, owners and
    /// columnar options filled in; the snapshot's tables are those. Pins search_path to
    /// pg_catalog for the rest of the transaction it runs in (see the batch's first statement).
    /// </summary>
    public async Task<CatalogSnapshot> ReadObjectsAsync(IReadOnlyList<SourceTable> tables, CancellationToken cancellationToken)
    {
        var snapshot = new CatalogSnapshot { Tables = tables.Select(t => t.Table).ToList() };
        var tablesByOid = snapshot.Tables.ToDictionary(t => t.Oid);
        var legacyProcedures = new List<(CatalogObject Procedure, string Definition)>();
        using (var command = new NpgsqlCommand(ObjectsQuery, _connection))
        using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await ReadRowsAsync(reader, _ => { }, cancellationToken).ConfigureAwait(false);
            await NextAsync(reader, r => snapshot.Database = r.GetString(0), cancellationToken).ConfigureAwait(false);
            await NextAsync(reader, r => snapshot.Schemas.Add(new CatalogObject { Name = r.GetString(0), Owner = r.GetString(1) }), cancellationToken).ConfigureAwait(false);
            await NextAsync(reader, r => { if (tablesByOid.TryGetValue(r.GetFieldValue<uint>(0), out var table)) { ReadTableFacts(r, table); } }, cancellationToken).ConfigureAwait(false);
            await NextAsync(reader, r => snapshot.Views.Add(ReadView(r)), cancellationToken).ConfigureAwait(false);
            await NextAsync(reader, r => snapshot.Functions.Add(ReadFunction(r, legacyProcedures)), cancellationToken).ConfigureAwait(false);
            await NextAsync(reader, r => snapshot.Indexes.Add(Object(r.GetString(0), r.GetString(1), r.GetString(2), null, ("Definition", r.GetString(3)), ("Valid", Bool(r.GetBoolean(4))))), cancellationToken).ConfigureAwait(false);
            await NextAsync(reader, r => snapshot.Constraints.Add(Object(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), null, ("Type", KindOfConstraint(r.GetString(3))), ("Definition", r.GetString(4)), ("Validated", Bool(r.GetBoolean(5))))), cancellationToken).ConfigureAwait(false);
            await NextAsync(reader, r => snapshot.Sequences.Add(new CatalogSequence { Schema = r.GetString(0), Name = r.GetString(1), Owner = r.GetString(2), Increment = r.GetInt64(3), NextValue = r.IsDBNull(4) ? null : r.GetDecimal(4), Table = r.IsDBNull(5) ? null : r.GetString(5) }), cancellationToken).ConfigureAwait(false);
            await NextAsync(reader, r => snapshot.Triggers.Add(Object(r.GetString(0), r.GetString(1), r.GetString(2), null, ("Definition", r.GetString(3)), ("Enabled", r.GetString(4)))), cancellationToken).ConfigureAwait(false);
            await NextAsync(reader, r => snapshot.Extensions.Add(new ManifestExtension { Name = r.GetString(0), Version = r.GetString(1), Schema = r.GetString(2) }), cancellationToken).ConfigureAwait(false);
            await NextAsync(reader, r => snapshot.Settings.AddRange(ReadSettings(r)), cancellationToken).ConfigureAwait(false);
        }

        await HashLegacyProceduresAsync(legacyProcedures, cancellationToken).ConfigureAwait(false);

        var options = await ReadColumnarOptionsAsync(cancellationToken).ConfigureAwait(false);
        foreach (var table in snapshot.Tables.Where(t => string.Equals(t.AccessMethod, "columnar", StringComparison.Ordinal)))
        {
            // A columnar table without an options row has lost them: recorded as unknown options, which differ from any real ones.
            table.Columnar = options.TryGetValue(table.Oid, out var found) ? found : new ColumnarOptions();
        }

        foreach (var list in new[] { snapshot.Schemas, snapshot.Views, snapshot.Functions, snapshot.Indexes, snapshot.Constraints, snapshot.Triggers })
        {
            list.Sort((a, b) => ByName(a.Schema, a.Name, b.Schema, b.Name));
        }

        snapshot.Sequences.Sort((a, b) => ByName(a.Schema, a.Name, b.Schema, b.Name));
        var state = new DatabaseStateReader(_connection);
        snapshot.DatabaseState = await state.ReadDatabaseAsync(cancellationToken).ConfigureAwait(false);
        snapshot.Roles = await state.ReadRolesAsync(await state.ReadReferencedRoleNamesAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        return snapshot;
    }

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
        await ReadRowsAsync(reader, r => roles.Add(r.GetString(0)), cancellationToken).ConfigureAwait(false);
        return roles;
    }

    /// <summary>Foreign tables: a dump keeps their indexes' and constraints' relations.</summary>
    public async Task<List<(string Schema, string Name)>> ReadForeignTablesAsync(CancellationToken cancellationToken)
    {
        var foreign = new List<(string, string)>();
        using var command = new NpgsqlCommand("SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'f' AND " + UserSchema, _connection);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await ReadRowsAsync(reader, r => foreign.Add((r.GetString(0), r.GetString(1))), cancellationToken).ConfigureAwait(false);
        return foreign;
    }

    /// <summary>One row of pg_db_role_setting: its role (null for the database itself) and each "name=value".</summary>
    private static IEnumerable<ManifestDatabaseSetting> ReadSettings(DbDataReader r)
    {
        var role = r.IsDBNull(0) ? null : r.GetString(0);
        foreach (var entry in r.GetFieldValue<string[]>(1))
        {
            var eq = entry.IndexOf('=');
            yield return new ManifestDatabaseSetting
            {
                Role = role,
                Name = eq < 0 ? entry : entry.Substring(0, eq),
                Value = eq < 0 ? string.Empty : entry.Substring(eq + 1),
            };
        }
    }

    private static int ByName(string schemaA, string nameA, string schemaB, string nameB)
    {
        var bySchema = string.CompareOrdinal(schemaA, schemaB);
        return bySchema != 0 ? bySchema : string.CompareOrdinal(nameA, nameB);
    }

    private static void ReadTableFacts(DbDataReader r, CatalogTable table)
    {
        table.Owner = r.GetString(1);
        table.EstimatedRows = r.GetDouble(2);
        table.Columns = r.IsDBNull(3) ? new List<string>() : r.GetFieldValue<string[]>(3).ToList();
        table.PrimaryKey = r.IsDBNull(4) ? new List<string>() : r.GetFieldValue<string[]>(4).ToList();
        table.IntegerKey = r.GetBoolean(5);
    }

    private static CatalogObject ReadFunction(DbDataReader r, List<(CatalogObject Procedure, string Definition)> legacyProcedures)
    {
        var function = Object(r.GetString(0), r.GetString(1), null, r.GetString(3), ("Kind", KindOfFunction(r.GetString(2))), ("DefinitionHash", r.GetString(4)));
        if (!r.IsDBNull(5))
        {
            // A PostgreSQL 13 procedure: named and hashed as 14 and later write it.
            var text = r.GetFieldValue<string[]>(5);
            function.Name = text[0] + "(" + LegacyProcedureText.MarkInputModes(text[1]) + ")";
            legacyProcedures.Add((function, LegacyProcedureText.MarkInputModes(text[3], text[2])));
        }

        return function;
    }

    /// <summary>
    /// Hashes the rewritten definitions on the server, as every other definition is hashed: md5
    /// of the text in the database's encoding, which the client cannot know.
    /// </summary>
    private async Task HashLegacyProceduresAsync(List<(CatalogObject Procedure, string Definition)> legacyProcedures, CancellationToken cancellationToken)
    {
        if (legacyProcedures.Count == 0)
        {
            return;
        }

        using var command = new NpgsqlCommand("SELECT pg_catalog.md5(d) FROM pg_catalog.unnest(@definitions::text[]) WITH ORDINALITY AS u(d, i) ORDER BY i", _connection);
        command.Parameters.AddWithValue("definitions", legacyProcedures.Select(p => p.Definition).ToArray());
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (procedure, _) in legacyProcedures)
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            procedure.Facts["DefinitionHash"] = reader.GetString(0);
        }
    }

    private static CatalogObject ReadView(DbDataReader r)
    {
        var materialized = r.GetString(2) == "m";
        var view = Object(r.GetString(0), r.GetString(1), null, r.GetString(3), ("Kind", materialized ? "materialized view" : "view"), ("Definition", r.GetString(4)));
        if (materialized)
        {
            view.Facts["Populated"] = Bool(r.GetBoolean(5));
        }

        return view;
    }

    private static CatalogObject Object(string schema, string name, string? table, string? owner, params (string Check, string Value)[] facts)
    {
        var item = new CatalogObject { Schema = schema, Name = name, Table = table, Owner = owner };
        foreach (var (check, value) in facts)
        {
            item.Facts[check] = value;
        }

        return item;
    }

    private static string Bool(bool value) => value ? "true" : "false";

    private static string KindOfFunction(string prokind) => prokind switch
    {
        "p" => "procedure",
        "a" => "aggregate",
        "w" => "window function",
        _ => "function",
    };

    private static string KindOfConstraint(string contype) => contype switch
    {
        "p" => "primary key",
        "u" => "unique",
        "c" => "check",
        "f" => "foreign key",
        "x" => "exclusion",
        "t" => "constraint trigger",
        _ => contype,
    };

    /// <summary>"{expr}" / "{expr:catalog}" become "the object is no extension's member" (catalog pg_class unless named).</summary>
    private static string ExpandExtensionFilters(string sql) =>
        System.Text.RegularExpressions.Regex.Replace(sql, @"\{([^{}:]+)(?::(\w+))?\}", m =>
            "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = 'pg_catalog." + (m.Groups[2].Success ? m.Groups[2].Value : "pg_class")
            + "'::regclass AND e.objid = " + m.Groups[1].Value + " AND e.deptype = 'e')");

    private static async Task ReadRowsAsync(DbDataReader reader, Action<DbDataReader> row, CancellationToken cancellationToken)
    {
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            row(reader);
        }
    }

    private static async Task NextAsync(DbDataReader reader, Action<DbDataReader> row, CancellationToken cancellationToken)
    {
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        await ReadRowsAsync(reader, row, cancellationToken).ConfigureAwait(false);
    }
}
