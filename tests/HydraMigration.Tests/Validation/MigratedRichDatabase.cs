using System.IO;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Validation;

/// <summary>
/// The <see cref="RichDatabase"/> dumped and restored once by the module, shared by the
/// validation tests; each test that damages a target works on a fast template clone of it.
/// </summary>
public sealed class MigratedRichDatabase
{
    private MigratedRichDatabase(PostgresFixture pg, string source, string restored, string archive)
    {
        Pg = pg;
        Source = source;
        Restored = restored;
        Archive = archive;
    }

    public PostgresFixture Pg { get; }

    /// <summary>The rich database on the Source cluster.</summary>
    public string Source { get; }

    /// <summary>Its correct restore on the Target cluster; never modified.</summary>
    public string Restored { get; }

    /// <summary>The archive; its manifest lies beside it.</summary>
    public string Archive { get; }

    public string ManifestPath => Archive + ".manifest.json";

    public static MigratedRichDatabase Of(PostgresFixture pg) => pg.Shared("migrated-rich", () =>
    {
        var source = RichDatabase.Create(pg);
        var restored = pg.NewDatabaseName("rich_restored");
        var archive = Path.Combine(pg.NewFolder("rich"), "rich.dump");
        using var ps = new PowerShellSession();
        Credentials.Connect(ps, "src", pg.Source, source);
        Credentials.Connect(ps, "dst", pg.Target, restored);
        var result = ps.Run("New-HydraDump -Connection $src -Path $args[0] | Restore-HydraDump -Connection $dst -CreateDatabase", archive);
        Assert.Empty(result.Errors);
        return new MigratedRichDatabase(pg, source, restored, archive);
    });

    /// <summary>
    /// A copy of the restored database (CREATE DATABASE … TEMPLATE, far faster than a restore).
    /// Database-level settings do not travel with a template, so they are copied as a restore sets them.
    /// </summary>
    public string Clone(string stem)
    {
        var clone = Pg.NewDatabaseName(stem);
        Pg.Target.Execute("postgres", $"CREATE DATABASE \"{clone}\" TEMPLATE \"{Restored}\"");
        Pg.Target.Execute("postgres", $@"DO $$DECLARE s text;
BEGIN
  FOR s IN SELECT unnest(setconfig) FROM pg_db_role_setting WHERE setrole = 0 AND setdatabase = (SELECT oid FROM pg_database WHERE datname = '{Restored}') LOOP
    EXECUTE format('ALTER DATABASE %I SET %s = %L', '{clone}', split_part(s, '=', 1), substr(s, strpos(s, '=') + 1));
  END LOOP;
END$$;");
        return clone;
    }
}
