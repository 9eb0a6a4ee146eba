using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Database;

[Collection(PostgresCollection.Name)]
public sealed class NewHydraDatabaseTests : IDisposable
{
    private const string DbCmd = "HydraMigration.Commands.NewHydraDatabaseCommand";
    private readonly PostgresFixture _pg;
    private readonly PowerShellSession _ps = new();

    public NewHydraDatabaseTests(PostgresFixture pg)
    {
        _pg = pg;
        Credentials.Connect(_ps, "dst", _pg.Target, "postgres");
    }

    public void Dispose() => _ps.Dispose();

    [Fact]
    public void CreatesAUtf8DatabaseFromTemplate0AndEmitsIt()
    {
        var name = _pg.NewDatabaseName("fresh");
        var result = _ps.Run("New-HydraDatabase -Connection $dst -Name $args[0]", name);
        Assert.Empty(result.Errors);
        var db = result.Output.Single();
        Assert.Equal(name, db.Properties["Name"].Value);
        Assert.Equal("UTF8", db.Properties["Encoding"].Value);
        Assert.Equal("postgres", db.Properties["Owner"].Value);
        Assert.True((bool)db.Properties["Created"].Value);
        Assert.Equal($"127.0.0.1:{_pg.Target.Port}", db.Properties["Server"].Value);
        var connection = PSObject.AsPSObject(db.Properties["Connection"].Value);
        Assert.Equal(name, connection.Properties["Database"].Value);
        Assert.Equal("UTF8", _pg.Target.Psql("postgres", $"SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = '{name}'"));
    }

    [Fact]
    public void AHostileNameIsCreatedExactlyAndBreaksNothing()
    {
        var name = "Zoë's \"db\"; DROP DATABASE postgres; -- " + Guid.NewGuid().ToString("N")[..6];
        var result = _ps.Run("New-HydraDatabase -Connection $dst -Name $args[0] -Owner $args[1]", name, SampleDatabase.OwnerRole);
        Assert.Empty(result.Errors);
        Assert.Equal(name, result.Output.Single().Properties["Name"].Value);
        var literal = "'" + name.Replace("'", "''", StringComparison.Ordinal) + "'";
        Assert.Equal(SampleDatabase.OwnerRole, _pg.Target.Psql("postgres", $"SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = {literal}"));
        Assert.Equal(1, _pg.Target.Count("postgres", "SELECT count(*) FROM pg_database WHERE datname = 'postgres'"));

        // The connection it emits reaches it, quotes and all.
        var tables = _ps.Run("New-HydraDatabase -Connection (New-HydraDatabase -Connection $dst -Name $args[0] -IfNotExists).Connection -Name 'x' -WhatIf", name);
        Assert.Empty(tables.Errors);
    }

    [Fact]
    public void CreatesRequestedExtensionsInsideTheNewDatabase()
    {
        var name = _pg.NewDatabaseName("withext");
        var db = _ps.Run("New-HydraDatabase -Connection $dst -Name $args[0] -Extension columnar", name);
        Assert.Empty(db.Errors);
        Assert.Contains(((System.Collections.IEnumerable)db.Output.Single().Properties["Extensions"].Value).Cast<object>(), e => e.ToString()!.StartsWith("columnar ", StringComparison.Ordinal));
        Assert.Equal("1", _pg.Target.Psql(name, "SELECT count(*) FROM pg_extension WHERE extname = 'columnar'"));
    }

    [Fact]
    public void AnExtensionTheServerLacksIsAnErrorAndLeavesNoDatabase()
    {
        var name = _pg.NewDatabaseName("noext");
        var result = _ps.Run("New-HydraDatabase -Connection $dst -Name $args[0] -Extension no_such_extension", name);
        var error = Assert.Single(result.Errors);
        Assert.Equal("ExtensionNotAvailable," + DbCmd, error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.NotInstalled, error.CategoryInfo.Category);
        Assert.Equal("0", _pg.Target.Psql("postgres", $"SELECT count(*) FROM pg_database WHERE datname = '{name}'"));
    }

    [Fact]
    public void AnExistingDatabaseIsAnErrorUnlessIfNotExistsWhichWarnsOnDifferences()
    {
        var name = _pg.NewDatabaseName("exists");
        _pg.Target.Execute("postgres", $"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'");

        var refused = _ps.Run("New-HydraDatabase -Connection $dst -Name $args[0]", name);
        Assert.Equal("DatabaseAlreadyExists," + DbCmd, Assert.Single(refused.Errors).FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceExists, refused.Errors[0].CategoryInfo.Category);

        var reused = _ps.Run("New-HydraDatabase -Connection $dst -Name $args[0] -IfNotExists -Locale C.UTF-8", name);
        Assert.Empty(reused.Errors);
        Assert.False((bool)reused.Output.Single().Properties["Created"].Value);
        Assert.Contains(reused.Warnings, w => w.Contains("LC_COLLATE 'C', not 'C.UTF-8'", StringComparison.Ordinal));

        var same = _ps.Run("New-HydraDatabase -Connection $dst -Name $args[0] -IfNotExists -Locale C", name);
        Assert.Empty(same.Errors);
        Assert.Empty(same.Warnings);
    }

    [Fact]
    public void ForceDropsAndRecreatesButNotUnderConnectedSessionsUnlessTold()
    {
        var name = _pg.NewDatabaseName("force");
        _pg.Target.Execute("postgres", $"CREATE DATABASE {name}");
        _pg.Target.Execute(name, "CREATE TABLE old_stuff (id int)");

        // -WhatIf: nothing happens.
        var whatIf = _ps.Run("New-HydraDatabase -Connection $dst -Name $args[0] -Force -WhatIf", name);
        Assert.Empty(whatIf.Errors);
        Assert.Contains("Drop and recreate", _ps.Host.Text, StringComparison.Ordinal);
        Assert.Equal("1", _pg.Target.Psql(name, "SELECT count(*) FROM pg_tables WHERE tablename = 'old_stuff'"));

        // A session is connected: refused, and it says who.
        // Wait for the sleeper itself: the psql just above leaves its session on the database
        // for a moment after it exits, and counting any session would see that one, go on
        // before the sleeper is there, and race it to the drop.
        using var session = Sleeper(name);
        Assert.True(Poll.Until(() => _pg.Target.Count("postgres", $"SELECT count(*) FROM pg_stat_activity WHERE datname = '{name}' AND application_name = '{SleeperName}' AND state = 'active'") > 0));
        var busy = _ps.Run("New-HydraDatabase -Connection $dst -Name $args[0] -Force", name);
        var error = Assert.Single(busy.Errors);
        Assert.Equal("DatabaseInUse," + DbCmd, error.FullyQualifiedErrorId);
        Assert.Contains("postgres@", error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal("1", _pg.Target.Psql(name, "SELECT count(*) FROM pg_tables WHERE tablename = 'old_stuff'"));

        var forced = _ps.Run("New-HydraDatabase -Connection $dst -Name $args[0] -Force -TerminateConnections", name);
        Assert.Empty(forced.Errors);
        Assert.True((bool)forced.Output.Single().Properties["Created"].Value);
        Assert.Equal("0", _pg.Target.Psql(name, "SELECT count(*) FROM pg_tables WHERE tablename = 'old_stuff'"));
        Assert.Empty(_ps.Host.Prompts);
    }

    [Fact]
    public void ALocaleTheServerLacksListsWhatItOffers()
    {
        var name = _pg.NewDatabaseName("badlocale");
        var result = _ps.Run("New-HydraDatabase -Connection $dst -Name $args[0] -Locale xx_NOWHERE.UTF-8", name);
        var error = Assert.Single(result.Errors);
        Assert.Equal("LocaleNotAvailable," + DbCmd, error.FullyQualifiedErrorId);
        Assert.Contains("xx_NOWHERE.UTF-8", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("C.utf8", error.Exception.Message, StringComparison.Ordinal); // as the server lists it
        Assert.Equal("0", _pg.Target.Psql("postgres", $"SELECT count(*) FROM pg_database WHERE datname = '{name}'"));
    }

    [Fact]
    public void WrongPasswordAndBadOptionsAreClearErrors()
    {
        Credentials.Connect(_ps, "bad", _pg.Target, "postgres", password: "not-the-password");
        Assert.Equal("AuthenticationFailed," + DbCmd, Assert.Single(_ps.Run("New-HydraDatabase -Connection $bad -Name x").Errors).FullyQualifiedErrorId);
        Assert.Equal("IfNotExistsWithForce," + DbCmd, Assert.Single(_ps.Run("New-HydraDatabase -Connection $dst -Name x -IfNotExists -Force").Errors).FullyQualifiedErrorId);
        var noOwner = _ps.Run("New-HydraDatabase -Connection $dst -Name $args[0] -Owner no_such_role", _pg.NewDatabaseName("noowner"));
        Assert.Equal("CreateDatabaseFailed," + DbCmd, Assert.Single(noOwner.Errors).FullyQualifiedErrorId);
        Assert.Contains("no_such_role", noOwner.Errors[0].Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InlineParametersReachTheMaintenanceDatabase()
    {
        _ps.Set("cred", Credentials.Of("postgres", _pg.Target.SuperPassword));
        var name = _pg.NewDatabaseName("inline");
        var result = _ps.Run("New-HydraDatabase -HostName 127.0.0.1 -Port $args[0] -Credential $cred -Name $args[1]", _pg.Target.Port, name);
        Assert.Empty(result.Errors);
        Assert.Equal(name, result.Output.Single().Properties["Name"].Value);
    }

    [Fact]
    public void AConnectionToADatabaseThatDoesNotExistStillReachesTheServer()
    {
        // A connection that named no database defaults to the user's name, which may not exist.
        Credentials.Connect(_ps, "nodb", _pg.Target, "no_such_maintenance_db");
        var name = _pg.NewDatabaseName("fallback");
        var result = _ps.Run("New-HydraDatabase -Connection $nodb -Name $args[0]", name);
        Assert.Empty(result.Errors);
        Assert.Equal("1", _pg.Target.Psql("postgres", $"SELECT count(*) FROM pg_database WHERE datname = '{name}'"));
    }

    [Fact]
    public void DefaultViewShowsTheDatabase()
    {
        var name = _pg.NewDatabaseName("view");
        _ps.Run("New-HydraDatabase -Connection $dst -Name $args[0] -Extension columnar | Out-Default", name);
        Assert.Matches(@"Name\s+Server\s+Encoding\s+Collate\s+Ctype\s+Owner\s+Created\s+Extensions", _ps.Host.Text);
        Assert.Matches(name + @"\s+127\.0\.0\.1:\d+\s+UTF8\s+C\.UTF-8\s+C\.UTF-8\s+postgres\s+True\s+columnar ", _ps.Host.Text);
    }

    private const string SleeperName = "hydra-test-sleeper";

    private Process Sleeper(string database)
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

        info.Environment["PGAPPNAME"] = SleeperName;
        return Process.Start(info)!;
    }
}
