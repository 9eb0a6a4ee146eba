using System.Collections.Generic;
using System.Linq;

/// <summary>Summaries of a contender's round times.</summary>
internal static class Stats
{
    public static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
