using System.Globalization;

namespace HydraMigration.Infrastructure;

/// <summary>Human-readable sizes and rates for progress and messages.</summary>
internal static class Units
{
    private static readonly string[] Suffixes = { "B", "KB", "MB", "GB", "TB" };

    public static string Bytes(double bytes)
    {
        var unit = 0;
        while (bytes >= 1024 && unit < Suffixes.Length - 1)
        {
            bytes /= 1024;
            unit++;
        }

        return unit == 0
            ? string.Format(CultureInfo.InvariantCulture, "{0:0} {1}", bytes, Suffixes[unit])
            : string.Format(CultureInfo.InvariantCulture, "{0:0.0} {1}", bytes, Suffixes[unit]);
    }

    public static string Rate(double bytes, double seconds) =>
        seconds <= 0 ? "-" : Bytes(bytes / seconds) + "/s";
}
