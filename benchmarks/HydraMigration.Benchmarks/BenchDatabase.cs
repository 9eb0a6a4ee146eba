using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using HydraMigration.Tests.Harness;

/// <summary>
/// The benchmarks' database: pgbench at a scale (60 is ~1 GB), plus a columnar table with
/// non-default options and a database setting — what a migration of a real Hydra database must
/// carry and what pg_dump alone loses.
/// </summary>
internal static class BenchDatabase
{
    /// <summary>history_columnar's options as <see cref="Create"/> sets them, in columnar.options' column order below.</summary>
    private const string ExpectedOptions = "5000|50000|lz4|5";

    private const string ExpectedSetting = "default_table_access_method=columnar";

    /// <summary>Creates <paramref name="database"/> on <paramref name="cluster"/> and prints its size and build time.</summary>
    public static void Create(PostgresCluster cluster, string database, int scale)
    {
        cluster.Execute("postgres", "CREATE DATABASE " + database);
        Console.WriteLine($"pgbench -i -s {scale} ...");
        var init = Stopwatch.StartNew();
        ExternalCommand.Run(Path.Combine(PostgresCluster.BinFolder, "pgbench"), new[] { "-i", "-q", "-s", scale.ToString(CultureInfo.InvariantCulture), database }, cluster.Environment(database), timeoutSeconds: 3600);
        AddHydraParts(cluster, database);
        Console.WriteLine($"  {cluster.Psql(database, $"SELECT pg_size_pretty(pg_database_size('{database}'))")} in {init.Elapsed.TotalSeconds:0} s");
    }

    /// <summary>
    /// The many-tables case: <paramref name="tables"/> small tables (<paramref name="schema"/>'s
    /// SQL), a small pgbench_accounts for the columnar table to copy from, and the same Hydra parts.
    /// </summary>
    public static void CreateManyTables(PostgresCluster cluster, string database, int tables, string schema)
    {
        cluster.Execute("postgres", "CREATE DATABASE " + database);
        Console.WriteLine($"{tables} tables of 20 rows, a view on every tenth ...");
        var init = Stopwatch.StartNew();
        // pg_dump locks every table in one transaction: the default lock table (64 per connection) is too small.
        cluster.Execute("postgres", "ALTER SYSTEM SET max_locks_per_transaction = 1024");
        ExternalCommand.RunAsPostgres(Path.Combine(PostgresCluster.BinFolder, "pg_ctl"), new[] { "-D", cluster.DataFolder, "-l", Path.Combine(cluster.Folder, "server.log"), "-w", "-t", "60", "restart" }); // -l: the server must not hold our output pipe
        cluster.Execute(database, schema);
        cluster.Execute(database, "CREATE TABLE pgbench_accounts (aid int, bid int, abalance int, filler text); INSERT INTO pgbench_accounts SELECT g, 1, 0, '' FROM generate_series(1, 1000) g;");
        AddHydraParts(cluster, database);
        Console.WriteLine($"  {cluster.Psql(database, $"SELECT pg_size_pretty(pg_database_size('{database}'))")} in {init.Elapsed.TotalSeconds:0} s");
    }

    /// <summary>A columnar table with non-default options and a database setting, from pgbench_accounts.</summary>
    private static void AddHydraParts(PostgresCluster cluster, string database) =>
        cluster.Execute(database, $@"CREATE EXTENSION columnar;
        CREATE TABLE history_columnar USING columnar AS SELECT aid, bid, abalance, filler FROM pgbench_accounts WHERE aid % 10 = 0;
        SELECT columnar.alter_columnar_table_set('history_columnar', chunk_group_row_limit => 5000, stripe_row_limit => 50000, compression => 'lz4', compression_level => 5);
        ALTER DATABASE {database} SET default_table_access_method = 'columnar';");

    /// <summary>Whether history_columnar's options, all four, arrived in <paramref name="database"/>.</summary>
    public static bool OptionsCarried(PostgresCluster cluster, string database) =>
        cluster.Psql(database, "SELECT chunk_group_row_limit || '|' || stripe_row_limit || '|' || compression || '|' || compression_level FROM columnar.options WHERE regclass = 'history_columnar'::regclass", check: false) == ExpectedOptions;

    /// <summary>Whether the database-level setting arrived (ALTER DATABASE … SET, for every role).</summary>
    public static bool SettingCarried(PostgresCluster cluster, string database) =>
        cluster.Psql(database, "SELECT coalesce(array_to_string(setconfig, ','), '') FROM pg_db_role_setting WHERE setrole = 0 AND setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())")
            .Split(',').Contains(ExpectedSetting);
}
