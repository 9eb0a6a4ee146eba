using System.Globalization;

namespace HydraMigration.Tools;

/// <summary>A PostgreSQL client program found on this machine, with the version it reported.</summary>
internal sealed class PgTool
{
    public PgTool(string name, string path, int major, string version)
    {
        Name = name;
        Path = path;
        Major = major;
        Version = version;
    }

    /// <summary>pg_dump or pg_restore.</summary>
    public string Name { get; }

    public string Path { get; }

    public int Major { get; }

    /// <summary>The version as the tool printed it, e.g. 15.18.</summary>
    public string Version { get; }

    public override string ToString() => string.Format(CultureInfo.InvariantCulture, "{0} {1} ({2})", Name, Version, Path);
}
