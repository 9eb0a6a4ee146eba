using System;
using System.IO;
using System.Linq;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Dump;

/// <summary>
/// Sequences ignore snapshots. A sequence that moves while pg_dump copies data must be recorded
/// in the manifest where the archive has it, or a correct restore would look "behind".
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SequencePositionTests : IDisposable
{
    private readonly PostgresFixture _pg;
    private readonly PowerShellSession _ps = new();

    public SequencePositionTests(PostgresFixture pg) => _pg = pg;

    public void Dispose() => _ps.Dispose();

    [Fact]
    public void TheManifestRecordsTheSequenceAsTheArchiveHoldsItNotAsItMovedOn()
    {
        var database = _pg.NewDatabaseName("moving_seq");
        _pg.Source.Execute("postgres", $"CREATE DATABASE {database}");
        _pg.Source.Execute(database, @"CREATE SEQUENCE ticket; SELECT setval('ticket', 1000);
            CREATE TABLE bulk AS SELECT g AS id, md5(g::text) || md5((g * 3)::text) AS a FROM generate_series(1, 1500000) g;");
        Credentials.Connect(_ps, "src", _pg.Source, database);
        var folder = _pg.NewFolder("moving-seq");

        using (var running = _ps.Start("New-HydraDump -Connection $src -Path $args[0]", Path.Combine(folder, "s.dump")))
        {
            // pg_dump has read the sequence and is copying rows: now the source moves on.
            Assert.True(running.WaitUntil(() => Directory.GetFiles(folder).Any(f => new FileInfo(f).Length > 1_000_000), TimeSpan.FromSeconds(120)), "pg_dump never started writing");
            _pg.Source.Execute(database, "SELECT nextval('ticket') FROM generate_series(1, 50)");
            Assert.Empty(running.Wait().Errors);
        }

        var sequence = DumpFiles.Manifest(Path.Combine(folder, "s.dump")).GetProperty("catalog").GetProperty("sequences").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "ticket");
        Assert.Equal(1001, sequence.GetProperty("nextValue").GetDecimal());
        Assert.Equal("1050", _pg.Source.Psql(database, "SELECT last_value FROM ticket"));
    }
}
