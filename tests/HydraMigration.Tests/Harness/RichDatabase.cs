namespace HydraMigration.Tests.Harness;

/// <summary>
/// A source with every kind of object Test-HydraMigration compares: several schemas, a
/// columnar table with non-default options, a partitioned table, views, a materialized view,
/// functions, a procedure, a trigger, sequences (serial, identity, free-standing), foreign
/// keys, an enum type and a domain, extensions, database-level settings, non-ASCII data, and
/// objects owned by a non-superuser role. Statistics are gathered, as on a live server.
/// </summary>
public static class RichDatabase
{
    public const int Products = 2000;
    public const int Orders = 5000;
    public const int StockMoves = 250_000;
    public const int Events = 4000;

    public static string Create(PostgresFixture fixture) => Create(fixture.Source, fixture.NewDatabaseName("rich"));

    /// <summary>Creates it as <paramref name="name"/> on <paramref name="cluster"/> (of any major from 13).</summary>
    /// <param name="cluster">The server.</param>
    /// <param name="name">The new database's name.</param>
    /// <param name="stockMoves">The big table's rows: fewer where its size is not what a test is about.</param>
    public static string Create(PostgresCluster cluster, string name, int stockMoves = StockMoves)
    {
        SampleDatabase.EnsureRoles(cluster);
        cluster.Execute("postgres", $"CREATE DATABASE \"{name}\"");
        cluster.Execute(name, $@"
CREATE EXTENSION columnar;
CREATE EXTENSION fuzzystrmatch;
CREATE SCHEMA inventory AUTHORIZATION {SampleDatabase.OwnerRole};
CREATE SCHEMA reporting;
CREATE TYPE inventory.mood AS ENUM ('happy', 'sad', 'überrascht');
CREATE DOMAIN inventory.positive_int AS int CONSTRAINT positive CHECK (VALUE > 0);
CREATE TABLE inventory.products (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE,
    price numeric(10,2) NOT NULL DEFAULT 0 CHECK (price >= 0),
    qty inventory.positive_int,
    mood inventory.mood DEFAULT 'happy',
    touched timestamptz);
ALTER TABLE inventory.products OWNER TO {SampleDatabase.OwnerRole};
INSERT INTO inventory.products (name, price, qty, mood)
    SELECT CASE g % 3 WHEN 0 THEN 'Käse ' || g WHEN 1 THEN '寿司 ' || g ELSE 'Crème brûlée ' || g END, (g % 97) + 0.5, 1 + g % 50, (ARRAY['happy', 'sad', 'überrascht']::inventory.mood[])[1 + g % 3]
    FROM generate_series(1, {Products}) g;
CREATE TABLE inventory.orders (id serial PRIMARY KEY, product_id bigint NOT NULL REFERENCES inventory.products, placed date NOT NULL, note text);
CREATE INDEX orders_placed ON inventory.orders (placed);
INSERT INTO inventory.orders (product_id, placed, note) SELECT 1 + g % {Products}, DATE '2025-01-01' + g % 300, 'Notiz №' || g FROM generate_series(1, {Orders}) g;
CREATE TABLE inventory.stock_moves (id bigint PRIMARY KEY, product_id bigint NOT NULL, delta int NOT NULL);
INSERT INTO inventory.stock_moves SELECT g, 1 + g % {Products}, (g % 21) - 10 FROM generate_series(1, {stockMoves}) g;
CREATE TABLE inventory.events (id int, kind text, at timestamptz) USING columnar;
INSERT INTO inventory.events SELECT g, 'événement ' || (g % 7), TIMESTAMPTZ '2025-01-01 00:00:00+00' + g * INTERVAL '1 minute' FROM generate_series(1, {Events}) g;
SELECT columnar.alter_columnar_table_set('inventory.events', chunk_group_row_limit => 2000, stripe_row_limit => 20000, compression => 'lz4', compression_level => 7);
CREATE TABLE reporting.readings (id int, at date NOT NULL, value float8) PARTITION BY RANGE (at);
CREATE TABLE reporting.readings_2025 PARTITION OF reporting.readings FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE reporting.readings_2026 PARTITION OF reporting.readings FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO reporting.readings SELECT g, DATE '2025-03-01' + (g % 500), g / 7.0 FROM generate_series(1, 1000) g;
CREATE VIEW reporting.product_sales AS
    SELECT p.id, p.name, count(o.id) AS orders FROM inventory.products p LEFT JOIN inventory.orders o ON o.product_id = p.id GROUP BY p.id, p.name;
CREATE MATERIALIZED VIEW reporting.daily_orders AS SELECT placed, count(*) AS orders FROM inventory.orders GROUP BY placed;
CREATE FUNCTION reporting.order_total(p_product bigint) RETURNS numeric LANGUAGE sql STABLE
    AS $$ SELECT coalesce(sum(p.price), 0) FROM inventory.orders o JOIN inventory.products p ON p.id = o.product_id WHERE o.product_id = p_product $$;
CREATE FUNCTION inventory.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.touched := now(); RETURN NEW; END $$;
ALTER FUNCTION inventory.touch() OWNER TO {SampleDatabase.OwnerRole};
CREATE TRIGGER products_touch BEFORE UPDATE ON inventory.products FOR EACH ROW EXECUTE FUNCTION inventory.touch();
CREATE PROCEDURE inventory.restock(p_product bigint, p_qty int) LANGUAGE plpgsql
    AS $$ BEGIN UPDATE inventory.products SET qty = p_qty WHERE id = p_product; END $$;
CREATE SEQUENCE inventory.invoice_no START 1000;
SELECT nextval('inventory.invoice_no') FROM generate_series(1, 5);
ALTER SEQUENCE inventory.invoice_no OWNER TO {SampleDatabase.OwnerRole};
ALTER DATABASE ""{name}"" SET work_mem = '16MB';
ALTER DATABASE ""{name}"" SET app.region = 'eu-zürich';
ANALYZE;
");
        return name;
    }
}
