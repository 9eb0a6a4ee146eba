using System.IO;
using System.Linq;
using System.Text.Json;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Migration;

internal static class MigrationAssertions
{
    public static HydraMigrationReport Report(PipelineResult result) =>
        (HydraMigrationReport)Assert.Single(result.Output, o => o.BaseObject is HydraMigrationReport).BaseObject;

    public static HydraMigrationStepReport Step(HydraMigrationReport report, string name) => report.Steps.Single(s => s.Name == name);

    public static JsonElement Json(string htmlReport) => JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(htmlReport, ".json"))).RootElement;

    public static string Errors(PipelineResult result) => string.Join("\n", result.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e.Exception.Message));

    public static bool DatabaseExists(PostgresCluster cluster, string name) =>
        cluster.Count("postgres", "SELECT count(*) FROM pg_database WHERE datname = '" + name.Replace("'", "''") + "'") == 1;
}
