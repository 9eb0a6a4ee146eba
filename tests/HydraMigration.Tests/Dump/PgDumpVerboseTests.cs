using HydraMigration.Dump;

namespace HydraMigration.Tests.Dump;

/// <summary>
/// The pg_dump --verbose lines progress and row counting act on, read by plain string search:
/// the same names a line yields as the patterns they replace ('dumping contents of table
/// "(.+)"$' and 'finished item \d+ TABLE DATA (.+)$'), odd names included.
/// </summary>
public sealed class PgDumpVerboseTests
{
    [Theory]
    [InlineData("pg_dump: dumping contents of table \"public.t1\"", "public.t1")]
    [InlineData("pg_dump: dumping contents of table \"Odd Schema.a \"quoted\" table\"", "Odd Schema.a \"quoted\" table")]
    [InlineData("dumping contents of table \"s.x\"", "s.x")]
    [InlineData("pg_dump: dumping contents of table \"s.\"", "s.")]
    [InlineData("pg_dump: dumping contents of table \"\"", null)]
    [InlineData("pg_dump: dumping contents of table \"", null)]
    [InlineData("pg_dump: dumping contents of table \"s.t\" ", null)]
    [InlineData("pg_dump: reading tables", null)]
    public void StartedTable(string line, string? expected) =>
        Assert.Equal(expected, PgDumpVerbose.StartedTable(line));

    [Theory]
    [InlineData("pg_dump: finished item 3456 TABLE DATA orders", "orders")]
    [InlineData("pg_dump: finished item 12 TABLE DATA a table with spaces", "a table with spaces")]
    [InlineData("pg_dump: finished item x finished item 7 TABLE DATA t", "t")]
    [InlineData("pg_dump: finished item 12 TABLE DATA ", null)]
    [InlineData("pg_dump: finished item TABLE DATA t", null)]
    [InlineData("pg_dump: finished item 12 SEQUENCE SET s", null)]
    public void FinishedTable(string line, string? expected) =>
        Assert.Equal(expected, PgDumpVerbose.FinishedTable(line));
}
