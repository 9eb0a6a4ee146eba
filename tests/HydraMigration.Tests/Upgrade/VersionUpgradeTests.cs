using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using HydraMigration.Tests.Harness;
using Xunit.Abstractions;
using static HydraMigration.Tests.Validation.ValidationAssertions;

namespace HydraMigration.Tests.Upgrade;

[Collection(PostgresCollection.Name)]
public sealed class VersionUpgradeTests : IClassFixture<OtherMajorServers>, IDisposable
{
    private readonly PostgresFixture _pg;
    private readonly OtherMajorServers _servers;
    private readonly ITestOutputHelper _log;
    private readonly PowerShellSession _ps = new();

    public VersionUpgradeTests(PostgresFixture pg, OtherMajorServers servers, ITestOutputHelper log)
    {
        _pg = pg;
        _servers = servers;
        _log = log;
    }

    public void Dispose() => _ps.Dispose();

    [Theory]
    [InlineData(13)]
    [InlineData(14)]
    public void ARichDatabaseUpgradesTo15AndEveryCheckPassesAgainstTheManifestAndTheLiveSource(int major)
    {
        var clock = Stopwatch.StartNew();
        var server = _servers.Of(major, _pg);
        _log.WriteLine($"PostgreSQL {major} up in {clock.Elapsed.TotalSeconds:F1} s");
        var source = RichDatabase.Create(server, _pg.NewDatabaseName("rich" + major));
        _log.WriteLine($"rich database in {clock.Elapsed.TotalSeconds:F1} s");
        Credentials.Connect(_ps, "src", server, source);
        Credentials.Connect(_ps, "dst", _pg.Target, _pg.NewDatabaseName("upgraded" + major));

        var chain = _ps.Run("New-HydraDump -Connection $src -Path $args[0] | Restore-HydraDump -Connection $dst -CreateDatabase | Test-HydraMigration", Path.Combine(_pg.NewFolder("upgrade"), "rich.dump"));
        _log.WriteLine($"migrated in {clock.Elapsed.TotalSeconds:F1} s");
        foreach (var o in chain.Output.Where(o => o.Properties["Status"].Value.ToString() != "Pass"))
        {
            _log.WriteLine(Describe(o) + " | " + o.Properties["SourceValue"].Value + " | " + o.Properties["TargetValue"].Value);
        }

        Assert.Empty(chain.Errors);
        Assert.Empty(Problems(chain));
        Assert.Empty(chain.Warnings);

        var live = _ps.Run("Test-HydraMigration -Connection $dst -Source $src -DataChecksum");
        foreach (var o in live.Output.Where(o => o.Properties["Status"].Value.ToString() != "Pass"))
        {
            _log.WriteLine(Describe(o) + " | " + o.Properties["SourceValue"].Value + " | " + o.Properties["TargetValue"].Value);
        }

        Assert.Empty(live.Errors);
        Assert.Empty(Problems(live));
        Assert.Empty(live.Warnings);
    }
}
