using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using HydraMigration.Infrastructure;

namespace HydraMigration.Migration;

/// <summary>
/// Writes a report as one self-contained HTML page — inline CSS, no script, no font or anything
/// fetched, readable printed — and the same report as JSON beside it (same name, .json). Every
/// value is HTML-encoded: database, schema and role names are the source's, and may hold markup.
/// Failures come first, then a timeline of the steps, the steps with their attempts, what was
/// carried over, the validation, warnings and versions.
/// </summary>
internal static class MigrationReportWriter
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    private const string Style = @"
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;margin:2em auto;max-width:64em;color:#1d2330;padding:0 1em;line-height:1.4}
h1{font-size:1.6em;margin:0 0 .2em}h2{font-size:1.15em;margin:1.6em 0 .5em;border-bottom:1px solid #d5d9e0;padding-bottom:.2em}
.status{display:inline-block;padding:.15em .6em;border-radius:.3em;font-weight:600;color:#fff}
.ok{background:#1f7a4d}.bad{background:#b3261e}.muted{color:#5b6472}
table{border-collapse:collapse;width:100%;font-size:.92em}th,td{text-align:left;padding:.35em .5em;border-bottom:1px solid #e4e7ec;vertical-align:top}
th{background:#f3f5f8}td.num{text-align:right;white-space:nowrap}
.failure{border-left:.35em solid #b3261e;background:#fdf1f0;padding:.5em .8em;margin:.5em 0}
.failure code{font-weight:600}
.timeline{display:flex;height:1.8em;border-radius:.3em;overflow:hidden;border:1px solid #c9ced6;margin:.5em 0}
.timeline span{display:block;height:100%;color:#fff;font-size:.75em;line-height:2.4em;text-align:center;overflow:hidden;white-space:nowrap}
.s-Succeeded{background:#2f8f5f}.s-Failed{background:#b3261e}.s-Skipped{background:#9aa3af}.s-Pending{background:#c9ced6}.s-Running{background:#d08a00}.s-RolledBack{background:#7a5cb3}
ul.attempts{margin:.2em 0 0;padding-left:1.2em;font-size:.9em}
.cards{display:flex;flex-wrap:wrap;gap:.6em}.card{border:1px solid #e4e7ec;border-radius:.3em;padding:.4em .8em;min-width:7em}.card b{display:block;font-size:1.3em}
@media print{body{margin:0;max-width:none;font-size:10pt}.timeline span,.status,.failure{-webkit-print-color-adjust:exact;print-color-adjust:exact}h2{page-break-after:avoid}tr{page-break-inside:avoid}}
";

    /// <summary>Writes <paramref name="htmlPath"/> and the JSON beside it, each whole or not at all.</summary>
    public static void Write(HydraMigrationReport report, string htmlPath)
    {
        var folder = Path.GetDirectoryName(htmlPath);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        AtomicFile.Write(htmlPath, Html(report));
        AtomicFile.Write(JsonPathFor(htmlPath), JsonSerializer.Serialize(report, Json));
    }

    public static string JsonPathFor(string htmlPath) => Path.ChangeExtension(htmlPath, ".json");

    public static string Html(HydraMigrationReport report)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
            .Append(E("Migration " + report.Source + " to " + report.Target)).Append("</title><style>").Append(Style).Append("</style></head><body>\n");

        html.Append("<section id=\"summary\"><h1>Hydra migration ").Append(report.Succeeded ? "<span class=\"status ok\">Succeeded</span>" : "<span class=\"status bad\">Failed</span>").Append("</h1>\n")
            .Append("<p><b>").Append(E(report.Source)).Append("</b> &rarr; <b>").Append(E(report.Target)).Append("</b> <span class=\"muted\">(").Append(E(report.Shape.ToString())).Append(")</span></p>\n")
            .Append("<p class=\"muted\">Started ").Append(E(report.StartedUtc?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "-")).Append(" UTC, this run ended ")
            .Append(E(report.EndedUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))).Append(" UTC after ").Append(E(Seconds(report.Duration))).Append(". Work folder: ").Append(E(report.WorkFolder)).Append("</p></section>\n");

        Failures(html, report);
        Timeline(html, report);
        Steps(html, report);
        Carried(html, report);
        Validation(html, report);
        if (report.Warnings.Count > 0)
        {
            html.Append("<section id=\"warnings\"><h2>Warnings</h2><ul>");
            foreach (var warning in report.Warnings)
            {
                html.Append("<li>").Append(E(warning)).Append("</li>");
            }

            html.Append("</ul></section>\n");
        }

        var v = report.Versions;
        html.Append("<section id=\"versions\"><h2>Versions</h2><table>")
            .Append(Row("Source server", "PostgreSQL " + (v.SourceServer ?? "-")))
            .Append(Row("Target server", "PostgreSQL " + (v.TargetServer ?? "-")))
            .Append(Row("pg_dump", v.PgDump ?? "-")).Append(Row("pg_restore", v.PgRestore ?? "-"))
            .Append(Row("columnar (source / target)", v.Columnar ?? "-")).Append(Row("HydraMigration", v.Module))
            .Append("</table></section>\n</body></html>\n");
        return html.ToString();
    }

    private static void Failures(StringBuilder html, HydraMigrationReport report)
    {
        var failed = report.Failures.ToList();
        var validation = report.Validation?.Failures ?? Array.Empty<string>();
        if (failed.Count == 0 && validation.Count == 0)
        {
            return;
        }

        html.Append("<section id=\"failures\"><h2>Failures</h2>\n");
        foreach (var attempt in failed)
        {
            html.Append("<div class=\"failure\"><code>").Append(E(attempt.Step)).Append(" attempt ").Append(attempt.Number.ToString(CultureInfo.InvariantCulture)).Append(": ").Append(E(attempt.ErrorId ?? "Failed")).Append("</code> ")
                .Append("<span class=\"muted\">").Append(E(attempt.StartedUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))).Append(" UTC</span><br>").Append(E(attempt.Message ?? string.Empty)).Append("</div>\n");
        }

        foreach (var failure in validation)
        {
            html.Append("<div class=\"failure\"><code>Validation</code> ").Append(E(failure)).Append("</div>\n");
        }

        html.Append("</section>\n");
    }

    /// <summary>The steps side by side, each as wide as its share of the time (a sliver at least, so a quick step still shows).</summary>
    private static void Timeline(StringBuilder html, HydraMigrationReport report)
    {
        var total = Math.Max(0.001, report.Steps.Sum(s => Math.Max(s.Duration.TotalSeconds, 0)));
        html.Append("<section id=\"timeline\"><h2>Timeline</h2><div class=\"timeline\">");
        foreach (var step in report.Steps)
        {
            var share = Math.Max(4.0, step.Duration.TotalSeconds / total * 100);
            html.Append("<span class=\"s-").Append(step.Status.ToString()).Append("\" style=\"flex:").Append(share.ToString("0.##", CultureInfo.InvariantCulture)).Append(" 1 0\" title=\"")
                .Append(E(step.Name + ": " + step.Status + ", " + Seconds(step.Duration))).Append("\">").Append(E(step.Name)).Append("</span>");
        }

        html.Append("</div></section>\n");
    }

    private static void Steps(StringBuilder html, HydraMigrationReport report)
    {
        html.Append("<section id=\"steps\"><h2>Steps</h2><table><tr><th>Step</th><th>Status</th><th>Duration</th><th>Size</th><th>Throughput</th><th>What it did</th></tr>\n");
        foreach (var step in report.Steps)
        {
            html.Append("<tr id=\"step-").Append(E(step.Name)).Append("\"><td>").Append(E(step.Name)).Append("</td><td>").Append(E(step.Status.ToString())).Append("</td><td class=\"num\">").Append(E(Seconds(step.Duration)))
                .Append("</td><td class=\"num\">").Append(E(step.Bytes is { } b ? Units.Bytes(b) : "-")).Append("</td><td class=\"num\">").Append(E(step.BytesPerSecond is { } r ? Units.Bytes(r) + "/s" : "-"))
                .Append("</td><td>").Append(E(step.Detail));
            if (step.Attempts.Count > 1 || step.Attempts.Any(a => a.Outcome != HydraMigrationStepStatus.Succeeded))
            {
                html.Append("<ul class=\"attempts\">");
                foreach (var attempt in step.Attempts)
                {
                    html.Append("<li>attempt ").Append(attempt.Number.ToString(CultureInfo.InvariantCulture)).Append(": ").Append(E(attempt.Outcome.ToString()))
                        .Append(" at ").Append(E(attempt.StartedUtc.ToString("HH:mm:ss", CultureInfo.InvariantCulture))).Append(" UTC, ").Append(E(Seconds(attempt.Duration)))
                        .Append(attempt.ErrorId is null ? string.Empty : " (" + E(attempt.ErrorId) + ")").Append("</li>");
                }

                html.Append("</ul>");
            }

            html.Append("</td></tr>\n");
        }

        html.Append("</table></section>\n");
    }

    private static void Carried(StringBuilder html, HydraMigrationReport report)
    {
        var carried = report.Carried;
        html.Append("<section id=\"carried\"><h2>Carried over</h2><table>")
            .Append(Row("Columnar options", carried.ColumnarOptions))
            .Append(Row("Database settings", carried.Settings))
            .Append(Row("Database grants", carried.DatabaseGrants))
            .Append(Row("Roles created", carried.RolesCreated))
            .Append("</table></section>\n");
    }

    private static void Validation(StringBuilder html, HydraMigrationReport report)
    {
        html.Append("<section id=\"validation\"><h2>Validation</h2>");
        if (report.Validation is not { } v)
        {
            html.Append("<p class=\"muted\">Validation did not run.</p></section>\n");
            return;
        }

        html.Append("<div class=\"cards\">")
            .Append(Card("Passed", v.Passed)).Append(Card("Failed", v.Failed)).Append(Card("Warnings", v.Warnings)).Append(Card("Skipped", v.Skipped))
            .Append("</div></section>\n");
    }

    private static string Card(string label, int value) => "<div class=\"card\"><b>" + value.ToString(CultureInfo.InvariantCulture) + "</b>" + E(label) + "</div>";

    private static string Row(string label, string value) => "<tr><th>" + E(label) + "</th><td>" + E(value) + "</td></tr>";

    private static string Row(string label, IReadOnlyList<string> values) =>
        "<tr><th>" + E(label) + "</th><td>" + (values.Count == 0 ? "<span class=\"muted\">none</span>" : string.Join("<br>", values.Select(E))) + "</td></tr>";

    private static string Seconds(TimeSpan duration) => duration.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";

    private static string E(string value) => WebUtility.HtmlEncode(value);
}
