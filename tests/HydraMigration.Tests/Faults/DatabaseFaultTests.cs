using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Faults;

/// <summary>What PostgreSQL refuses about databases comes back with the module's ids, and -Quiet proves nothing when nothing was compared.</summary>
[Collection(PostgresCollection.Name)]
public sealed class DatabaseFaultTests : IDisposable
{
    private const string DbCmd = "HydraMigration.Commands.NewHydraDatabaseCommand";
    private readonly PostgresFixture _pg;
    private readonly PowerShellSession _ps = new();

    public DatabaseFaultTests(PostgresFixture pg) => _pg = pg;

    public void Dispose() => _ps.Dispose();

    [Fact]
    public void ATemplateWithASessionOnItIsDatabaseInUseNotARawNpgsqlError()
    {
        // CREATE DATABASE raises SQLSTATE 55006 itself here: no look-ahead of the module's sees it first.
        var template = _pg.NewDatabaseName("busytemplate");
        _pg.Target.Execute("postgres", $"CREATE DATABASE {template}");
        var app = "hydra-test-template-" + Guid.NewGuid().ToString("N")[..6];
        using var sleeper = Sleeper(template, app);
        try
        {
            Assert.True(Poll.Until(() => _pg.Target.Count("postgres", $"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{app}' AND state = 'active'") > 0));
            Credentials.Connect(_ps, "server", _pg.Target, "postgres");
            var name = _pg.NewDatabaseName("fromtemplate");
            var error = Assert.Single(_ps.Run("New-HydraDatabase -Connection $server -Name $args[0] -Template $args[1]", name, template).Errors);
            Assert.Equal("DatabaseInUse," + DbCmd, error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ResourceBusy, error.CategoryInfo.Category);
            Assert.Contains($"The database '{template}' cannot be used as the template of '{name}'", error.Exception.Message, StringComparison.Ordinal);
            Assert.Equal("0", _pg.Target.Psql("postgres", $"SELECT count(*) FROM pg_database WHERE datname = '{name}'"));
        }
        finally
        {
            sleeper.Kill();
        }
    }

    [Fact]
    public void CreateDatabaseDeniedReadsAsSentences()
    {
        var login = "nocreatedb_" + Guid.NewGuid().ToString("N")[..6];
        var password = "Pw-" + Guid.NewGuid().ToString("N");
        _pg.Target.Execute("postgres", $"CREATE ROLE {login} LOGIN PASSWORD '{password}'");
        Credentials.Connect(_ps, "weak", _pg.Target, "postgres", login, password);
        var error = Assert.Single(_ps.Run("New-HydraDatabase -Connection $weak -Name $args[0]", _pg.NewDatabaseName("denied")).Errors);
        Assert.Equal("CreateDatabaseDenied," + DbCmd, error.FullyQualifiedErrorId);
        Assert.Contains("permission denied to create database. Connect as a role with CREATEDB.", error.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void QuietIsFalseWhenNothingWasCompared()
    {
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
        Credentials.Connect(_ps, "dst", _pg.Target, "postgres");
        var result = _ps.Run("Test-HydraMigration -Connection $dst -Source $src -Table no_such_table -Check RowCount -Quiet");
        Assert.False((bool)result.Output.Single().BaseObject);
    }

    private Process Sleeper(string database, string applicationName)
    {
        var info = new ProcessStartInfo(Path.Combine(PostgresCluster.BinFolder, "psql")) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-X", "-q", "-c", "SELECT pg_sleep(120)" })
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (k, v) in _pg.Target.Environment(database))
        {
            info.Environment[k] = v;
        }

        info.Environment["PGAPPNAME"] = applicationName;
        return Process.Start(info)!;
    }
}
