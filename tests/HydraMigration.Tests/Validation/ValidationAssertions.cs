using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Validation;

internal static class ValidationAssertions
{
    /// <summary>Every result that is not a Pass, as "Status Category schema.name Check".</summary>
    public static List<string> Problems(PipelineResult result) =>
        result.Output.Where(o => o.Properties["Status"].Value.ToString() != "Pass").Select(Describe).ToList();

    public static string Describe(PSObject o)
    {
        var schema = (string)o.Properties["Schema"].Value;
        return $"{o.Properties["Status"].Value} {o.Properties["Category"].Value} {(schema.Length == 0 ? string.Empty : schema + ".")}{o.Properties["Name"].Value} {o.Properties["Check"].Value}";
    }

    public static HashSet<string> Categories(PipelineResult result) =>
        result.Output.Select(o => o.Properties["Category"].Value.ToString()!).ToHashSet();
}
