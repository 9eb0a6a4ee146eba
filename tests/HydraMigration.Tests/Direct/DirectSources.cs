using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Direct;

/// <summary>The source databases the direct-copy tests share (made once per run, only read).</summary>
internal static class DirectSources
{
    /// <summary>
    /// The <see cref="RichDatabase"/> (with a smaller big table), plus what a direct copy must
    /// take care of beyond a dump: a columnar partition with options of its own, a base type
    /// with no binary send/receive functions, and an array of a user enum (whose binary form
    /// carries the enum's OID, which differs on the target).
    /// </summary>
    public static string Rich(PostgresFixture pg) => pg.Shared("direct-rich", () =>
    {
        var name = RichDatabase.Create(pg.Source, pg.NewDatabaseName("direct_rich"), stockMoves: 60_000);
        pg.Source.Execute(name, @"
CREATE TABLE reporting.archive (id int, at date NOT NULL, value float8) PARTITION BY RANGE (at);
CREATE TABLE reporting.archive_2024 PARTITION OF reporting.archive FOR VALUES FROM ('2024-01-01') TO ('2025-01-01') USING columnar;
CREATE TABLE reporting.archive_2023 PARTITION OF reporting.archive FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
INSERT INTO reporting.archive SELECT g, DATE '2023-01-01' + (g % 700), g * 0.5 FROM generate_series(1, 3000) g;
SELECT columnar.alter_columnar_table_set('reporting.archive_2024', chunk_group_row_limit => 1000, stripe_row_limit => 10000, compression => 'zstd', compression_level => 5);
CREATE TYPE inventory.plaintext;
CREATE FUNCTION inventory.plaintext_in(cstring) RETURNS inventory.plaintext LANGUAGE internal IMMUTABLE STRICT AS 'textin';
CREATE FUNCTION inventory.plaintext_out(inventory.plaintext) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'textout';
CREATE TYPE inventory.plaintext (INPUT = inventory.plaintext_in, OUTPUT = inventory.plaintext_out, LIKE = text);
CREATE TABLE inventory.notes (id int PRIMARY KEY, body inventory.plaintext);
INSERT INTO inventory.notes SELECT g, ('Notiz ' || g || E' mit\ttab und\nZeile')::inventory.plaintext FROM generate_series(1, 300) g;
CREATE TABLE inventory.tagged (id int PRIMARY KEY, moods inventory.mood[]);
INSERT INTO inventory.tagged SELECT g, ARRAY['happy', 'überrascht']::inventory.mood[] FROM generate_series(1, 300) g;
ANALYZE;");
        return name;
    });

    /// <summary>
    /// A small database whose table's CHECK constraint sleeps a little per row everywhere but
    /// on the source: its COPY into a target lasts long enough to be watched and interrupted.
    /// </summary>
    public static string Gated(PostgresFixture pg) => pg.Shared("direct-gated", () =>
    {
        var name = pg.NewDatabaseName("direct_gated");
        pg.Source.Execute("postgres", $"CREATE DATABASE {name}");
        pg.Source.Execute(name, $@"
CREATE FUNCTION public.slow_ok(i int) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF current_database() <> '{name}' THEN PERFORM pg_catalog.pg_sleep(0.01); END IF;
  RETURN true;
END $$;
CREATE TABLE public.gated (id int PRIMARY KEY, payload text, CHECK (public.slow_ok(id)));
INSERT INTO public.gated SELECT g, 'row ' || g FROM generate_series(1, 3000) g;
CREATE TABLE public.plain (id int PRIMARY KEY, payload text);
INSERT INTO public.plain SELECT g, 'row ' || g FROM generate_series(1, 1000) g;");
        return name;
    });
}
