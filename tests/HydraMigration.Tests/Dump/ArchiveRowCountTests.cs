using System;
using System.Globalization;
using System.IO;
using System.Linq;
using HydraMigration.Archive;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Dump;

/// <summary>
/// New-HydraDump counts the rows of small tables from the custom-format archive it has just
/// written (Archive/ArchiveRowCounter), and the rest on the source in the snapshot: both must
/// give every table's exact rows, whatever its values look like.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ArchiveRowCountTests : IDisposable
{
    private readonly PostgresFixture _pg;
    private readonly PowerShellSession _ps = new();

    public ArchiveRowCountTests(PostgresFixture pg) => _pg = pg;

    public void Dispose() => _ps.Dispose();

    [Theory]
    [InlineData("0")]
    [InlineData("9")]
    public void EveryTableGetsItsExactRowsFromTheArchiveOrTheSource(string compression)
    {
        var db = AwkwardDatabase();
        Credentials.Connect(_ps, "src", _pg.Source, db);
        var path = Path.Combine(_pg.NewFolder("archive-count"), "a.dump");

        var result = _ps.Run("New-HydraDump -Connection $src -Path $args[0] -Compression $args[1] -Verbose", path, compression);

        Assert.Empty(result.Errors);
        Assert.DoesNotContain(result.Warnings, w => w.Contains("counted on the source instead", StringComparison.Ordinal));
        Assert.Contains(result.Verbose, v => v.StartsWith("Rows of 3 small table(s) counted in the archive", StringComparison.Ordinal));
        var manifest = DumpFiles.Manifest(path);
        foreach (var table in new[] { "awkward", "empty", "events", "big" })
        {
            var live = long.Parse(_pg.Source.Psql(db, $"SELECT count(*) FROM public.{table}"), CultureInfo.InvariantCulture);
            Assert.Equal(live, DumpFiles.RowCount(DumpFiles.Table(manifest, "public", table)));
        }
    }

    [Fact]
    public void ADamagedDataBlockIsNamedNotMiscounted()
    {
        var db = AwkwardDatabase();
        Credentials.Connect(_ps, "src", _pg.Source, db);
        var path = Path.Combine(_pg.NewFolder("archive-count-damaged"), "a.dump");
        Assert.Empty(_ps.Run("New-HydraDump -Connection $src -Path $args[0]", path).Errors);

        // Overwrite the middle of public.awkward's compressed rows.
        var toc = ArchiveReader.Read(path);
        var entry = toc.Entries.Single(e => e.Desc == "TABLE DATA" && e.Tag == "awkward");
        using (var file = File.OpenWrite(path))
        {
            file.Position = entry.DataOffset!.Value + entry.DataSize!.Value / 2;
            file.Write(new byte[64], 0, 64);
        }

        var error = Assert.Throws<HydraException>(() => ArchiveRowCounter.Count(path, toc, new[] { entry }, Storage.LocalFileStore.Instance, default));
        Assert.True(error.Is(HydraErrors.ArchiveCorrupt), error.Message);
        Assert.Contains("public.awkward", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ManyTablesAreCountedInTwoHalvesEachExactly()
    {
        // Enough tables for ArchiveRowCounter's two readers, each table with its own number of rows.
        const int tables = 600;
        var db = _pg.NewDatabaseName("archivecountmany");
        _pg.Source.Execute("postgres", $"CREATE DATABASE {db}");
        _pg.Source.Execute(db, $@"DO $$ BEGIN FOR i IN 1..{tables} LOOP
  EXECUTE format('CREATE TABLE public.t%s (id int, v text)', i);
  EXECUTE format('INSERT INTO public.t%s SELECT g, E''a\nb'' FROM generate_series(1, %s) g', i, i % 13);
END LOOP; END $$");
        Credentials.Connect(_ps, "src", _pg.Source, db);
        var path = Path.Combine(_pg.NewFolder("archive-count-many"), "a.dump");

        var result = _ps.Run("New-HydraDump -Connection $src -Path $args[0] -Verbose", path);

        Assert.Empty(result.Errors);
        Assert.Contains(result.Verbose, v => v.StartsWith($"Rows of {tables} small table(s) counted in the archive", StringComparison.Ordinal));
        var manifest = DumpFiles.Manifest(path);
        for (var i = 1; i <= tables; i++)
        {
            Assert.Equal(i % 13, DumpFiles.RowCount(DumpFiles.Table(manifest, "public", "t" + i.ToString(CultureInfo.InvariantCulture))));
        }

        // A damaged block in the second half is named as one in the first would be, not wrapped.
        var toc = ArchiveReader.Read(path);
        var data = toc.Entries.Where(e => e.Desc == "TABLE DATA" && e.DataSize > 0).OrderBy(e => e.DataOffset).ToList();
        var last = data[^1];
        using (var file = File.OpenWrite(path))
        {
            file.Position = last.DataOffset!.Value + 1 + 5 + 5; // past the block's type byte, its dump id and its first chunk's length: the zlib header
            file.Write(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }, 0, 4);
        }

        var error = Assert.Throws<HydraException>(() => ArchiveRowCounter.Count(path, toc, data, Storage.LocalFileStore.Instance, default));
        Assert.True(error.Is(HydraErrors.ArchiveCorrupt), error.Message);
        Assert.Contains("public." + last.Tag, error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Values that look like line ends or COPY's end marker, an empty table, a columnar table,
    /// and one too large to be counted from the archive (over 1 MiB on disk).
    /// </summary>
    private string AwkwardDatabase()
    {
        var db = _pg.NewDatabaseName("archivecount");
        _pg.Source.Execute("postgres", $"CREATE DATABASE {db}");
        _pg.Source.Execute(db, @"
CREATE TABLE public.awkward (id int PRIMARY KEY, v text);
INSERT INTO public.awkward SELECT g, CASE g % 7 WHEN 0 THEN E'line\nbreak' WHEN 1 THEN E'\\.' WHEN 2 THEN E'back\\slash' WHEN 3 THEN E'tab\there' WHEN 4 THEN '' WHEN 5 THEN NULL ELSE E'\r\n\\.\n' END
FROM generate_series(1, 2000) g;
CREATE TABLE public.empty (id int);
CREATE EXTENSION columnar;
CREATE TABLE public.events (id int, what text) USING columnar;
INSERT INTO public.events SELECT g, 'e' || g FROM generate_series(1, 500) g;
CREATE TABLE public.big (id int, pad text);
INSERT INTO public.big SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g;");
        return db;
    }
}
