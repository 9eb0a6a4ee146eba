using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.DatabaseState;

/// <summary>
/// The database's own state — what a dump without --create leaves behind: privileges (a source
/// closed to PUBLIC), comment, connection limit, owner, role-in-database settings — and the
/// roles the grants name, with their memberships. Each test makes its own source database and
/// roles (names unique to the test) and drops them, and its targets, on both clusters.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DatabaseStateTests : IDisposable
{
    private readonly PostgresFixture _pg;
    private readonly PowerShellSession _ps = new();
    private readonly string _source;
    private readonly string _owner;
    private readonly string _group;
    private readonly string _reader;
    private readonly string _writer;
    private readonly List<string> _targets = new();

    public DatabaseStateTests(PostgresFixture pg)
    {
        _pg = pg;
        _source = _pg.NewDatabaseName("closed");
        var stem = "dbst_" + Guid.NewGuid().ToString("N")[..6];
        (_owner, _group, _reader, _writer) = (stem + "_owner", stem + "_group", stem + "_reader", stem + " writer");

        // The application's group may connect; the reader logs in through the group only; the
        // writer (a name that needs quoting) has its own grant. PUBLIC may do nothing.
        _pg.Source.Execute("postgres", $"CREATE ROLE {_owner} NOLOGIN; CREATE ROLE {_group} NOLOGIN; CREATE ROLE {_reader} LOGIN CONNECTION LIMIT 5 IN ROLE {_group}; CREATE ROLE \"{_writer}\" LOGIN NOINHERIT CREATEDB");
        _pg.Source.Execute("postgres", $"CREATE DATABASE {_source} OWNER {_owner}");
        _pg.Source.Execute("postgres", $"REVOKE CONNECT, TEMPORARY ON DATABASE {_source} FROM PUBLIC; GRANT CONNECT ON DATABASE {_source} TO {_group}; GRANT CONNECT, TEMPORARY ON DATABASE {_source} TO \"{_writer}\" WITH GRANT OPTION;"
            + $" COMMENT ON DATABASE {_source} IS 'the shop, closed to everyone but the application'; ALTER DATABASE {_source} CONNECTION LIMIT 40; ALTER ROLE {_reader} IN DATABASE {_source} SET work_mem = '8MB'");
        _pg.Source.Execute(_source, "CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) g;");
        Credentials.Connect(_ps, "src", _pg.Source, _source);
    }

    public void Dispose()
    {
        _ps.Dispose();
        var roles = $"{_reader}, \"{_writer}\", {_group}, {_owner}";
        foreach (var target in _targets)
        {
            _pg.Target.Psql("postgres", $"DROP DATABASE IF EXISTS {target} WITH (FORCE)", check: false);
        }

        _pg.Source.Psql("postgres", $"DROP DATABASE IF EXISTS {_source} WITH (FORCE)", check: false);
        _pg.Source.Psql("postgres", "DROP ROLE IF EXISTS " + roles, check: false);
        _pg.Target.Psql("postgres", "DROP ROLE IF EXISTS " + roles, check: false);
    }

    [Fact]
    public void TheDatabasesOwnStateTravelsAndValidatesAgainstTheManifestAndTheSource()
    {
        var target = NewTarget("closed_copy");
        var result = _ps.Run("$r = New-HydraDump -Connection $src -Path $args[0] | Restore-HydraDump -Connection $dst -CreateDatabase -CreateMissingRole; $r", DumpPath());

        Assert.Empty(result.Errors);
        Assert.Equal(new[] { _reader, _writer }.OrderBy(r => r, StringComparer.Ordinal), result.Warnings.Where(w => w.Contains("without a password", StringComparison.Ordinal)).Select(w => w.Contains(_reader, StringComparison.Ordinal) ? _reader : _writer).OrderBy(r => r, StringComparer.Ordinal));
        Assert.Equal("0", _pg.Target.Psql("postgres", $"SELECT count(*) FROM pg_database d, aclexplode(d.datacl) a WHERE d.datname = '{target}' AND a.grantee = 0"));
        Assert.Equal("t|t|f", _pg.Target.Psql("postgres", $"SELECT has_database_privilege('{_reader}', '{target}', 'CONNECT'), has_database_privilege('{_writer}', '{target}', 'TEMPORARY WITH GRANT OPTION'), has_database_privilege('{_reader}', '{target}', 'TEMPORARY')"));
        Assert.Equal($"{_owner}|40|the shop, closed to everyone but the application", _pg.Target.Psql("postgres", $"SELECT pg_get_userbyid(datdba), datconnlimit, shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{target}'"));
        Assert.Equal("work_mem=8MB", _pg.Target.Psql("postgres", $"SELECT array_to_string(s.setconfig, ',') FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname = '{_reader}'"));
        Assert.Equal($"t|t|5|{_group}", _pg.Target.Psql("postgres", $"SELECT r.rolcanlogin, r.rolinherit, r.rolconnlimit, (SELECT string_agg(g.rolname, ',') FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid) FROM pg_roles r WHERE r.rolname = '{_reader}'"));
        Assert.Equal("t|f|t", _pg.Target.Psql("postgres", $"SELECT rolcanlogin, rolinherit, rolcreatedb FROM pg_roles WHERE rolname = '{_writer}'"));
        Assert.Equal(string.Empty, _pg.Target.Psql("postgres", $"SELECT rolpassword FROM pg_authid WHERE rolname IN ('{_reader}', '{_writer}') AND rolpassword IS NOT NULL"));

        var againstManifest = Validate("$r | Test-HydraMigration");
        Assert.All(againstManifest, r => Assert.Equal(HydraValidationStatus.Pass, r.Status));
        AssertDatabaseChecks(againstManifest);
        var againstSource = Validate("Test-HydraMigration -Connection $dst -Source $src");
        Assert.All(againstSource, r => Assert.Equal(HydraValidationStatus.Pass, r.Status));
        AssertDatabaseChecks(againstSource);

        // Each change made on the target alone is exactly one failure, naming what changed.
        var changes = new (string Change, string Undo, HydraValidationCategory Category, string Name, string Check)[]
        {
            ($"REVOKE CONNECT ON DATABASE {target} FROM {_group}", $"GRANT CONNECT ON DATABASE {target} TO {_group}", HydraValidationCategory.Database, _group, "Privileges"),
            ($"GRANT CONNECT ON DATABASE {target} TO PUBLIC", $"REVOKE CONNECT ON DATABASE {target} FROM PUBLIC", HydraValidationCategory.Database, "PUBLIC", "Privileges"),
            ($"REVOKE GRANT OPTION FOR TEMPORARY ON DATABASE {target} FROM \"{_writer}\"", $"GRANT TEMPORARY ON DATABASE {target} TO \"{_writer}\" WITH GRANT OPTION", HydraValidationCategory.Database, _writer, "Privileges"),
            ($"COMMENT ON DATABASE {target} IS 'changed'", $"COMMENT ON DATABASE {target} IS 'the shop, closed to everyone but the application'", HydraValidationCategory.Database, "(database)", "Comment"),
            ($"ALTER DATABASE {target} CONNECTION LIMIT 3", $"ALTER DATABASE {target} CONNECTION LIMIT 40", HydraValidationCategory.Database, "(database)", "ConnectionLimit"),
            ($"ALTER DATABASE {target} OWNER TO postgres", $"ALTER DATABASE {target} OWNER TO {_owner}", HydraValidationCategory.Database, "(database)", "Owner"),
            ($"REVOKE {_group} FROM {_reader}", $"GRANT {_group} TO {_reader}", HydraValidationCategory.Database, _reader + " in " + _group, "Membership"),
            ($"ALTER ROLE {_reader} IN DATABASE {target} SET work_mem = '16MB'", $"ALTER ROLE {_reader} IN DATABASE {target} SET work_mem = '8MB'", HydraValidationCategory.DatabaseSetting, $"work_mem (role {_reader})", "Value"),
        };
        foreach (var (change, undo, category, name, check) in changes)
        {
            _pg.Target.Execute("postgres", change);
            foreach (var validation in new[] { "$r | Test-HydraMigration", "Test-HydraMigration -Connection $dst -Source $src" })
            {
                var failure = Assert.Single(Validate(validation), r => r.Status != HydraValidationStatus.Pass);
                Assert.Equal((HydraValidationStatus.Fail, category, name, check), (failure.Status, failure.Category, failure.Name, failure.Check));
            }

            _pg.Target.Execute("postgres", undo);
        }
    }

    [Fact]
    public void NoAclLeavesTheGrantsOutAndSaysSoAndValidationKnows()
    {
        var target = NewTarget("noacl");
        var result = _ps.Run("$r = New-HydraDump -Connection $src -Path $args[0] | Restore-HydraDump -Connection $dst -CreateDatabase -CreateMissingRole -NoAcl; $r", DumpPath());

        Assert.Empty(result.Errors);
        Assert.Contains(result.Warnings, w => w.StartsWith("-NoAcl: the database's own privileges", StringComparison.Ordinal) && w.Contains(_group, StringComparison.Ordinal));
        Assert.True((bool)result.Output.Single().Properties["NoAcl"].Value);
        Assert.Equal("t|t", _pg.Target.Psql("postgres", $"SELECT datacl IS NULL, has_database_privilege('public', '{target}', 'CONNECT') FROM pg_database WHERE datname = '{target}'"));
        Assert.Equal("40", _pg.Target.Psql("postgres", $"SELECT datconnlimit FROM pg_database WHERE datname = '{target}'"));

        // Bound from the result, -NoAcl tells the validation not to compare grants; told nothing, it finds the difference.
        var told = Validate("$r | Test-HydraMigration");
        Assert.All(told, r => Assert.Equal(HydraValidationStatus.Pass, r.Status));
        Assert.DoesNotContain(told, r => r.Check == "Privileges");
        var untold = Validate("Test-HydraMigration -Connection $dst -Manifest $r.Dump.Manifest");
        Assert.Contains(untold, r => (r.Status, r.Name, r.Check) == (HydraValidationStatus.Fail, "PUBLIC", "Privileges"));
    }

    [Fact]
    public void AGranteeTheTargetLacksIsAPreflightError()
    {
        var target = NewTarget("lacking");
        var result = _ps.Run("New-HydraDump -Connection $src -Path $args[0] | Restore-HydraDump -Connection $dst -CreateDatabase", DumpPath());

        var error = Assert.Single(result.Errors);
        Assert.Equal("RoleMissing,HydraMigration.Commands.RestoreHydraDumpCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Contains(_group, error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains(_writer, error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal("0", _pg.Target.Psql("postgres", $"SELECT count(*) FROM pg_database WHERE datname = '{target}'"));
    }

    [Fact]
    public void PlainPgDumpAndPgRestoreLoseTheDatabasesGrants()
    {
        // Why this exists: the same source through bare pg_dump and pg_restore into a new database.
        var path = DumpPath();
        ExternalCommand.Run(Path.Combine(PostgresCluster.BinFolder, "pg_dump"), new[] { "-Fc", "-f", path, _source }, _pg.Source.Environment(_source));
        var target = NewTarget("bare");
        _pg.Target.Execute("postgres", $"CREATE ROLE {_owner} NOLOGIN; CREATE ROLE {_group} NOLOGIN; CREATE ROLE {_reader} LOGIN IN ROLE {_group}; CREATE ROLE \"{_writer}\" LOGIN");
        _pg.Target.Execute("postgres", $"CREATE DATABASE {target} TEMPLATE template0");
        ExternalCommand.Run(Path.Combine(PostgresCluster.BinFolder, "pg_restore"), new[] { "-d", target, path }, _pg.Target.Environment(target), check: false);

        Assert.Equal("100", _pg.Target.Psql(target, "SELECT count(*) FROM items"));
        Assert.Equal("t|f|-1|", _pg.Target.Psql("postgres", $"SELECT has_database_privilege('public', '{target}', 'CONNECT'), has_database_privilege('{_writer}', '{target}', 'CONNECT WITH GRANT OPTION'), datconnlimit, coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = '{target}'"));

        // And the validation sees it.
        var results = Validate("Test-HydraMigration -Connection $dst -Source $src -Check Database");
        Assert.Contains(results, r => (r.Status, r.Name, r.Check) == (HydraValidationStatus.Fail, "PUBLIC", "Privileges"));
        Assert.Contains(results, r => (r.Status, r.Name, r.Check) == (HydraValidationStatus.Fail, _writer, "Privileges"));
        Assert.Contains(results, r => (r.Status, r.Name, r.Check) == (HydraValidationStatus.Fail, "(database)", "Comment"));
    }

    [Fact]
    public void TheManifestRecordsTheStateAndTheRolesButNoPasswordAndOlderManifestsStillRead()
    {
        _pg.Source.Execute("postgres", $"ALTER ROLE \"{_writer}\" PASSWORD 'never-in-a-manifest' VALID UNTIL '2031-02-03 04:05:06+00'");
        var path = DumpPath();
        var dump = _ps.Run("$d = New-HydraDump -Connection $src -Path $args[0]; $d.Manifest", path);
        Assert.Empty(dump.Errors);
        var manifest = dump.Single<DumpManifest>();
        Assert.Equal((_owner, 40, "the shop, closed to everyone but the application"), (manifest.Database!.Owner, manifest.Database.ConnectionLimit, manifest.Database.Comment));
        Assert.Equal(new[] { _owner + ": CONNECT, CREATE, TEMPORARY", _writer + ": CONNECT*, TEMPORARY*", _group + ": CONNECT" }.Order(StringComparer.Ordinal),
                     manifest.Database.Acl.Select(g => g.Grantee + ": " + string.Join(", ", g.Privileges.Order(StringComparer.Ordinal).Select(p => g.GrantOptions.Contains(p) ? p + "*" : p))).Order(StringComparer.Ordinal));
        var writer = Assert.Single(manifest.RoleDefinitions!, r => r.Name == _writer);
        Assert.Equal((true, false, true, "2031-02-03T04:05:06.000000Z"), (writer.Login, writer.Inherit, writer.CreateDb, writer.ValidUntil));
        var reader = Assert.Single(manifest.RoleDefinitions!, r => r.Name == _reader);
        Assert.Equal((5, _group, false), (reader.ConnectionLimit, Assert.Single(reader.MemberOf).Role, reader.MemberOf[0].AdminOption));
        var text = File.ReadAllText(path + ".manifest.json");
        Assert.DoesNotContain("never-in-a-manifest", text, StringComparison.Ordinal);
        Assert.DoesNotContain("SCRAM", text, StringComparison.Ordinal);
        Assert.DoesNotContain("password", text, StringComparison.OrdinalIgnoreCase);

        // A manifest written before these fields existed still reads, restores and validates: the Database check says it cannot compare.
        var json = System.Text.Json.Nodes.JsonNode.Parse(text)!.AsObject();
        json.Remove("database");
        json.Remove("roleDefinitions");
        File.WriteAllText(path + ".manifest.json", json.ToJsonString());
        var target = NewTarget("older");
        var result = _ps.Run("Restore-HydraDump -Path $args[0] -Connection $dst -CreateDatabase -CreateMissingRole | Test-HydraMigration", path);
        Assert.Empty(result.Errors);
        var skipped = Assert.Single(result.Output.Select(o => (HydraValidationResult)o.BaseObject), r => r.Status != HydraValidationStatus.Pass);
        Assert.Equal((HydraValidationStatus.Warning, HydraValidationCategory.Database, "Skipped"), (skipped.Status, skipped.Category, skipped.Check));
        Assert.Equal("100", _pg.Target.Psql(target, "SELECT count(*) FROM items"));
    }

    private static void AssertDatabaseChecks(IReadOnlyList<HydraValidationResult> results)
    {
        var checks = results.Where(r => r.Category == HydraValidationCategory.Database).Select(r => r.Name + "/" + r.Check).ToList();
        foreach (var expected in new[] { "(database)/Owner", "(database)/Comment", "(database)/ConnectionLimit", "PUBLIC/Privileges", "(owner)/Privileges" })
        {
            Assert.Contains(expected, checks);
        }

        Assert.Equal(8, checks.Count); // and the group's, the writer's privileges and the reader's membership
    }

    private string NewTarget(string stem)
    {
        var target = _pg.NewDatabaseName(stem);
        _targets.Add(target);
        Credentials.Connect(_ps, "dst", _pg.Target, target);
        return target;
    }

    private string DumpPath() => Path.Combine(_pg.NewFolder("dbstate"), "closed.dump");

    private List<HydraValidationResult> Validate(string script)
    {
        var run = _ps.Run(script);
        Assert.Empty(run.Errors);
        return run.Output.Select(o => (HydraValidationResult)o.BaseObject).ToList();
    }
}
