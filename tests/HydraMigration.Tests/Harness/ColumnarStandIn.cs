using System.IO;

namespace HydraMigration.Tests.Harness;

/// <summary>
/// A stand-in for Hydra's columnar extension, for machines where Hydra is not installed. It is
/// NOT Hydra: its access method stores rows with PostgreSQL's heap. What it reproduces is what
/// a migration meets — pg_dump writes CREATE EXTENSION columnar and USING columnar tables, and
/// per-table options live in columnar.options (Hydra's layout, keyed by table OID), which the
/// extension does not mark for dumping, so a plain dump and restore loses them.
/// It is installed only when the server offers no columnar extension, and a real one is never
/// overwritten.
/// </summary>
public static class ColumnarStandIn
{
    public const string Marker = "HydraMigration test stand-in";
    public const string Version = "11.1-12";

    private const string Control = @"# " + Marker + @" for Hydra's columnar extension (NOT Hydra: rows are stored as heap).
comment = '" + Marker + @" for Hydra columnar (heap storage, Hydra catalog layout)'
default_version = '" + Version + @"'
relocatable = false
superuser = true
";

    private const string Script = @"-- " + Marker + @" for Hydra's columnar extension (NOT Hydra).
CREATE ACCESS METHOD columnar TYPE TABLE HANDLER heap_tableam_handler;
CREATE SCHEMA columnar;
CREATE TABLE columnar.options (
    regclass oid NOT NULL PRIMARY KEY,
    chunk_group_row_limit int NOT NULL,
    stripe_row_limit int NOT NULL,
    compression_level int NOT NULL,
    compression name NOT NULL
);
COMMENT ON TABLE columnar.options IS '" + Marker + @": columnar table options, as in Hydra';
CREATE FUNCTION columnar.alter_columnar_table_set(
    table_name regclass,
    chunk_group_row_limit int DEFAULT NULL,
    stripe_row_limit int DEFAULT NULL,
    compression name DEFAULT NULL,
    compression_level int DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO columnar.options AS o (regclass, chunk_group_row_limit, stripe_row_limit, compression_level, compression)
    VALUES (table_name, coalesce(chunk_group_row_limit, 10000), coalesce(stripe_row_limit, 150000),
            coalesce(compression_level, 3), coalesce(compression, 'zstd'))
    ON CONFLICT (regclass) DO UPDATE SET
        chunk_group_row_limit = coalesce($2, o.chunk_group_row_limit),
        stripe_row_limit = coalesce($3, o.stripe_row_limit),
        compression = coalesce($4, o.compression),
        compression_level = coalesce($5, o.compression_level);
END
$fn$;
";

    /// <summary>Installs the stand-in into the server's extension folder unless a columnar extension is there.</summary>
    /// <returns>True when the stand-in is what the tests use.</returns>
    public static bool EnsureAvailable()
    {
        var shareDir = ExternalCommand.Run(Path.Combine(PostgresCluster.BinFolder, "pg_config"), new[] { "--sharedir" }).Trim();
        return EnsureAvailable(Path.Combine(shareDir, "extension"));
    }

    /// <summary>The same for the server whose extension folder is <paramref name="extensionFolder"/> (another major's).</summary>
    public static bool EnsureAvailable(string extensionFolder)
    {
        if (!Directory.Exists(extensionFolder))
        {
            throw new DirectoryNotFoundException("The server's extension folder " + extensionFolder + " does not exist.");
        }

        var controlPath = Path.Combine(extensionFolder, "columnar.control");
        if (File.Exists(controlPath) && !File.ReadAllText(controlPath).Contains(Marker, System.StringComparison.Ordinal))
        {
            return false; // a real columnar extension: use it, never overwrite it
        }

        WriteIfChanged(Path.Combine(extensionFolder, "columnar--" + Version + ".sql"), Script);
        WriteIfChanged(controlPath, Control);
        return true;
    }

    /// <summary>
    /// Test runs side by side (other worktrees, CI) share the extension folder, and a server
    /// reading a file another run is rewriting sees it empty ("version to install must be
    /// specified"): so a file already right is left alone, and a new one appears whole (renamed into place).
    /// </summary>
    private static void WriteIfChanged(string path, string content)
    {
        if (File.Exists(path) && File.ReadAllText(path) == content)
        {
            return;
        }

        var temporary = path + "." + System.Environment.ProcessId + ".tmp";
        File.WriteAllText(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }
}
