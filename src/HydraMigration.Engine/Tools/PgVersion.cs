using System.Globalization;
using System.Text.RegularExpressions;

namespace HydraMigration.Tools;

/// <summary>Version strings as PostgreSQL prints them ("15.18 (Debian 15.18-0+deb12u1)").</summary>
internal static class PgVersion
{
    private static readonly Regex LeadingNumber = new(@"^\s*(\d+)", RegexOptions.CultureInvariant);

    /// <summary>The major version, or 0 when the text has none.</summary>
    public static int Major(string? version)
    {
        var match = version is null ? null : LeadingNumber.Match(version);
        return match is { Success: true } ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }
}
