using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using HydraMigration.Tests.Harness;
using Xunit.Abstractions;

namespace HydraMigration.Tests.Host;

/// <summary>
/// Runs tests/Pester — the module as users run it: a real pwsh, Pester, a fresh import, help,
/// completion, -WhatIf text, the views — against this run's throwaway clusters and sshd, so the
/// one test command (<c>dotnet test HydraMigration.sln</c>) runs both suites. The Pester files read
/// the HYDRA_TEST_* variables set here; none of their tests may be skipped or left unrun.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PesterSuiteTests
{
    /// <summary>
    /// When set (by .ci/run), the file this test writes its counts and the columnar used to, for
    /// the one summary line of both suites: <c>pester_passed=N</c>, <c>pester_failed=N</c>, <c>columnar=…</c>.
    /// </summary>
    public const string ReportVariable = "HYDRA_TEST_REPORT_FILE";

    // Runs Pester and writes what the test needs as JSON; the console output is Pester's own.
    private const string Runner = @"$ErrorActionPreference = 'Stop'
Import-Module $env:HYDRA_PESTER
Write-Host ""columnar: $env:HYDRA_TEST_COLUMNAR""
$config = New-PesterConfiguration
$config.Run.Path = $env:HYDRA_PESTER_TESTS
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$config.Output.RenderMode = 'Plaintext'
$result = Invoke-Pester -Configuration $config
function Describe-Failure($item) { $item.ExpandedPath + ': ' + (""$($item.ErrorRecord | Select-Object -First 1)"" -split ""`n"")[0] }
[ordered]@{
    discovered   = $result.TotalCount
    passed       = $result.PassedCount
    failed       = $result.FailedCount
    failedTests  = @($result.Failed | ForEach-Object { Describe-Failure $_ })
    notRun       = @($result.Tests | Where-Object Result -NotIn 'Passed', 'Failed' | ForEach-Object { $_.ExpandedPath + ' (' + $_.Result + ')' })
    failedBlocks = @($result.FailedBlocks | ForEach-Object { Describe-Failure $_ }) + @($result.FailedContainers | ForEach-Object { ""$($_.Item): $($_.ErrorRecord | Select-Object -First 1)"" })
    files        = @($result.Containers | ForEach-Object { [ordered]@{ file = [IO.Path]::GetFileName(""$($_.Item)""); passed = $_.PassedCount } })
} | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $env:HYDRA_PESTER_SUMMARY -Encoding utf8
";

    private readonly PostgresFixture _pg;
    private readonly SshFixture _ssh;
    private readonly ITestOutputHelper _output;

    public PesterSuiteTests(PostgresFixture pg, SshFixture ssh, ITestOutputHelper output)
    {
        _pg = pg;
        _ssh = ssh;
        _output = output;
    }

    [Fact]
    public void EveryPesterTestRunsAndPassesInARealPwshAgainstRealServers()
    {
        var columnar = DescribeColumnar();
        var summaryFile = Path.Combine(_pg.NewFolder("pester"), "summary.json");
        var server = _ssh.Server;
        var environment = new Dictionary<string, string>
        {
            ["HYDRA_PESTER"] = PesterTool.Manifest,
            ["HYDRA_PESTER_TESTS"] = Path.Combine(Repository.Root, "tests", "Pester"),
            ["HYDRA_PESTER_SUMMARY"] = summaryFile,
            ["HYDRA_TEST_COLUMNAR"] = columnar,
            ["HYDRA_TEST_SOURCE"] = ConnectionString(_pg.Source, _pg.Sample),
            ["HYDRA_TEST_SOURCE_PASSWORD"] = _pg.Source.SuperPassword,
            ["HYDRA_TEST_TARGET"] = ConnectionString(_pg.Target, "postgres"),
            ["HYDRA_TEST_TARGET_PASSWORD"] = _pg.Target.SuperPassword,
            ["HYDRA_TEST_SSH_HOST"] = "127.0.0.1",
            ["HYDRA_TEST_SSH_PORT"] = server.Port.ToString(CultureInfo.InvariantCulture),
            ["HYDRA_TEST_SSH_USER"] = SshServer.UserName,
            ["HYDRA_TEST_SSH_KEY"] = server.KeyFile,
            ["HYDRA_TEST_SSH_FINGERPRINT"] = server.HostKeyFingerprint,
            ["HYDRA_TEST_SSH_FOLDER"] = server.NewRemoteFolder("pester"),
        };

        var run = Pwsh.Run(Runner, environment, timeoutSeconds: 900);
        _output.WriteLine(run.Output + run.Errors);
        Assert.True(File.Exists(summaryFile), "Pester did not finish (exit code " + run.ExitCode + "):\n" + run.Output + run.Errors);
        using var summary = JsonDocument.Parse(File.ReadAllText(summaryFile));
        var root = summary.RootElement;
        int Count(string name) => root.GetProperty(name).GetInt32();
        string[] Names(string name) => root.GetProperty(name).EnumerateArray().Select(e => e.GetString()!).ToArray();
        Report(Count("passed"), Count("discovered") - Count("passed"), columnar);

        var problems = Names("failedTests").Select(n => "failed: " + n)
            .Concat(Names("notRun").Select(n => "not run: " + n))
            .Concat(Names("failedBlocks").Select(n => "setup failed: " + n))
            .Concat(root.GetProperty("files").EnumerateArray().Where(f => f.GetProperty("passed").GetInt32() == 0).Select(f => "no test passed in " + f.GetProperty("file").GetString()))
            .ToList();
        if (Count("passed") != Count("discovered"))
        {
            problems.Add($"{Count("passed")} of {Count("discovered")} discovered tests passed");
        }

        if (Count("discovered") == 0)
        {
            problems.Add("Pester discovered no test in tests/Pester");
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems) + "\n(Pester's own output is in this test's output.)");
    }

    /// <summary>Which columnar the clusters offer: the test stand-in or a real Hydra, with its extversion.</summary>
    private string DescribeColumnar()
    {
        var version = _pg.Source.Psql(_pg.Sample, "SELECT extversion FROM pg_extension WHERE extname = 'columnar'");
        return (_pg.UsesColumnarStandIn ? "the test stand-in (not Hydra)" : "Hydra columnar") + ", extversion " + version;
    }

    private static string ConnectionString(PostgresCluster cluster, string database) =>
        $"host=127.0.0.1 port={cluster.Port.ToString(CultureInfo.InvariantCulture)} dbname={database} user={PostgresCluster.SuperUser}";

    private static void Report(int passed, int failed, string columnar)
    {
        var file = Environment.GetEnvironmentVariable(ReportVariable);
        if (!string.IsNullOrEmpty(file))
        {
            File.WriteAllText(file, $"pester_passed={passed}\npester_failed={failed}\ncolumnar={columnar}\n");
        }
    }
}
