namespace HydraMigration.Tests.Harness;

/// <summary>
/// Builds the source database most tests dump: two schemas, a table whose name has a space,
/// foreign keys, a partitioned table, non-ASCII text, objects owned by and granted to
/// non-superuser roles, a columnar table with non-default options, database settings and two
/// large objects (their archive layout differs from tables' in every format).
/// </summary>
public static class SampleDatabase
{
    public const string OwnerRole = "hydra_app_owner";
    public const string ReaderRole = "hydra reporting";
    public const int Customers = 500;
    public const int OrderLines = 2000;
    public const int Events = 3000;
    public const int AuditRows = 100;

    public static string Create(PostgresFixture fixture, string stem = "shop")
    {
        var cluster = fixture.Source;
        var name = fixture.NewDatabaseName(stem);
        EnsureRoles(cluster);
        cluster.Execute("postgres", $"CREATE DATABASE \"{name}\"");
        cluster.Execute(name, $@"
CREATE EXTENSION columnar;
CREATE SCHEMA sales AUTHORIZATION {OwnerRole};
CREATE SCHEMA audit;
CREATE TABLE sales.customers (id int PRIMARY KEY, name text NOT NULL);
ALTER TABLE sales.customers OWNER TO {OwnerRole};
INSERT INTO sales.customers SELECT g, CASE g % 3 WHEN 0 THEN 'Zoë ' || g WHEN 1 THEN '東京 ' || g ELSE 'Ångström ' || g END FROM generate_series(1, {Customers}) g;
CREATE TABLE sales.""order lines"" (id bigserial PRIMARY KEY, customer_id int NOT NULL REFERENCES sales.customers, qty int);
INSERT INTO sales.""order lines"" (customer_id, qty) SELECT 1 + g % {Customers}, g FROM generate_series(1, {OrderLines}) g;
CREATE TABLE sales.events (id int, payload text) USING columnar;
INSERT INTO sales.events SELECT g, md5(g::text) FROM generate_series(1, {Events}) g;
SELECT columnar.alter_columnar_table_set('sales.events', chunk_group_row_limit => 5000, stripe_row_limit => 50000, compression => 'lz4', compression_level => 5);
CREATE TABLE audit.log (id int, msg text);
INSERT INTO audit.log SELECT g, 'entry ' || g FROM generate_series(1, {AuditRows}) g;
CREATE TABLE public.measurements (id int, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE public.measurements_2025 PARTITION OF public.measurements FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE public.measurements_2026 PARTITION OF public.measurements FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO public.measurements SELECT g, DATE '2025-06-01' + (g % 400) FROM generate_series(1, 800) g;
GRANT SELECT ON sales.customers TO ""{ReaderRole}"";
SELECT lo_from_bytea(0, convert_to(repeat('large object ', 1000), 'UTF8')), lo_from_bytea(0, '\x00ff'::bytea);
ALTER DATABASE ""{name}"" SET default_table_access_method = 'columnar';
ALTER DATABASE ""{name}"" SET work_mem = '8MB';
ALTER DATABASE ""{name}"" SET search_path = ""$user"", public, ""Sales Team"";
");
        return name;
    }

    /// <summary>Roles are global, so they are created once per cluster.</summary>
    public static void EnsureRoles(PostgresCluster cluster) =>
        cluster.Execute("postgres", $@"DO $$BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{OwnerRole}') THEN CREATE ROLE {OwnerRole} NOLOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ReaderRole}') THEN CREATE ROLE ""{ReaderRole}"" NOLOGIN; END IF;
END$$;");
}
