using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.Json;
using HydraMigration.Tests.Dump;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Host;

/// <summary>
/// The engine behind its boundary, in a real pwsh: on PowerShell 7 the module's dependencies load
/// into its own load context ("HydraMigration"), so a session that already holds another Npgsql
/// or SSH.NET keeps it, and the module still works; and that context is one per process, so
/// every runspace that imports the module shares one engine and the objects it makes.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class IsolationTests
{
    private const string Marker = "HYDRA-ISOLATION ";

    /// <summary>Where each loaded Npgsql and engine lives: load context, assembly, version and file, as JSON rows.</summary>
    private const string LoadedAssemblies = @"@([System.Runtime.Loader.AssemblyLoadContext]::All | ForEach-Object {
    $context = $_
    $context.Assemblies | Where-Object { $_.GetName().Name -in 'Npgsql', 'Renci.SshNet', 'HydraMigration.Engine', 'HydraMigration.Model' } | ForEach-Object {
        @{ Context = $context.Name; Name = $_.GetName().Name; Version = $_.GetName().Version.ToString(); Location = $_.Location }
    }
})";

    /// <summary>Connections to the test clusters; the passwords come from pwsh's environment, never its command line or the script.</summary>
    private const string Connections = @"
function Credential($password) { [pscredential]::new($env:HYDRA_ISO_USER, (ConvertTo-SecureString $password -AsPlainText -Force)) }
$src = New-HydraConnection -HostName 127.0.0.1 -Port $env:HYDRA_ISO_SOURCE_PORT -Database $env:HYDRA_ISO_SOURCE_DB -Credential (Credential $env:HYDRA_ISO_SOURCE_PASSWORD)
$targets = @($env:HYDRA_ISO_TARGET_DBS -split ',' | ForEach-Object { New-HydraConnection -HostName 127.0.0.1 -Port $env:HYDRA_ISO_TARGET_PORT -Database $_ -Credential (Credential $env:HYDRA_ISO_TARGET_PASSWORD) })
";

    private readonly PostgresFixture _pg;
    private readonly SshFixture _ssh;

    public IsolationTests(PostgresFixture pg, SshFixture ssh)
    {
        _pg = pg;
        _ssh = ssh;
    }

    /// <summary>The Npgsql the module ships for PowerShell 7.</summary>
    private static Version ModuleNpgsql => AssemblyName.GetAssemblyName(Path.Combine(Repository.ModuleFolder, "dependencies", "net8.0", "Npgsql.dll")).Version!;

    [Fact]
    public void WithAnotherNpgsqlLoadedFirstDumpRestoreAndValidatePassAndTheSessionKeepsItsNpgsql()
    {
        var userVersion = System.Version.Parse(UserNpgsql.Version + ".0");
        Assert.NotEqual(userVersion, ModuleNpgsql); // else this test could not tell the two apart

        var target = _pg.NewDatabaseName("isolation");
        var environment = Environment(new[] { target });
        environment["HYDRA_ISO_USER_NPGSQL"] = string.Join(Path.PathSeparator, UserNpgsql.Assemblies);
        environment["HYDRA_ISO_DUMP"] = Path.Combine(_pg.NewFolder("isolation"), "sample.dump");

        var result = Pwsh.Run(@"$ErrorActionPreference = 'Stop'
# The user's Npgsql first, as another module (SimplySql…) loads it: into the default load context.
foreach ($assembly in $env:HYDRA_ISO_USER_NPGSQL -split [IO.Path]::PathSeparator) { Add-Type -Path $assembly }
$userNpgsql = [Npgsql.NpgsqlConnection].Assembly

Import-Module $env:HYDRA_MODULE
" + Connections + @"
$checks = @(New-HydraDump -Connection $src -Path $env:HYDRA_ISO_DUMP | Restore-HydraDump -Connection $targets[0] -CreateDatabase | Test-HydraMigration)

# The user's Npgsql still serves the user: it reads the restored database.
$builder = [Npgsql.NpgsqlConnectionStringBuilder]::new()
$builder.Host = '127.0.0.1'; $builder.Port = $env:HYDRA_ISO_TARGET_PORT; $builder.Database = $targets[0].Database
$builder.Username = $env:HYDRA_ISO_USER; $builder.Password = $env:HYDRA_ISO_TARGET_PASSWORD
$connection = [Npgsql.NpgsqlConnection]::new($builder.ConnectionString)
$connection.Open()
$command = $connection.CreateCommand(); $command.CommandText = 'SELECT count(*) FROM sales.customers'
$customers = $command.ExecuteScalar()
$connection.Dispose()

'" + Marker + @"' + (@{
    Checks = $checks.Count
    NotPassed = @($checks | Where-Object Status -ne 'Pass' | ForEach-Object { $_.ToString() + ': ' + $_.Message })
    SessionNpgsql = [Npgsql.NpgsqlConnection].Assembly.GetName().Version.ToString()
    SameNpgsql = [object]::ReferenceEquals([Npgsql.NpgsqlConnection].Assembly, $userNpgsql)
    Customers = [long]$customers
    Loaded = " + LoadedAssemblies + @"
} | ConvertTo-Json -Compress -Depth 4)", environment);

        var report = Report(result);
        Assert.True(report.GetProperty("Checks").GetInt32() > 0, "Test-HydraMigration ran no check:\n" + result.Output);
        Assert.True(report.GetProperty("NotPassed").GetArrayLength() == 0, "checks that did not pass:\n" + report.GetProperty("NotPassed"));
        Assert.Equal(SampleDatabase.Customers, report.GetProperty("Customers").GetInt64());

        // The session sees the user's Npgsql, the very assembly it loaded.
        Assert.Equal(userVersion.ToString(), report.GetProperty("SessionNpgsql").GetString());
        Assert.True(report.GetProperty("SameNpgsql").GetBoolean());

        // Two Npgsqls side by side: the user's in the default context, the module's in its own.
        var loaded = Loaded(report);
        Assert.Contains(("Default", "Npgsql", userVersion.ToString()), loaded.Select(a => (a.Context, a.Name, a.Version)));
        var moduleNpgsql = Assert.Single(loaded, a => a.Name == "Npgsql" && a.Context == "HydraMigration");
        Assert.Equal(ModuleNpgsql.ToString(), moduleNpgsql.Version);
        Assert.StartsWith(Path.Combine(Repository.ModuleFolder, "dependencies", "net8.0") + Path.DirectorySeparatorChar, moduleNpgsql.Location, StringComparison.Ordinal);
        Assert.Equal("HydraMigration", Assert.Single(loaded, a => a.Name == "HydraMigration.Engine").Context);
        Assert.Equal("Default", Assert.Single(loaded, a => a.Name == "HydraMigration.Model").Context); // the session and the engine share one model
    }

    [Fact]
    public void WithAnotherSshNetLoadedFirstACopyUpAndDownPassesAndTheSessionKeepsItsSshNet()
    {
        var server = _ssh.Server;
        var local = _pg.NewFolder("isolation-ssh");
        var moduleSshNet = AssemblyName.GetAssemblyName(Path.Combine(Repository.ModuleFolder, "dependencies", "net8.0", UserSshNet.AssemblyName + ".dll")).Version!;
        Assert.NotEqual(UserSshNet.Version, moduleSshNet); // else this test could not tell the two apart
        var archive = Ssh.RandomArchive.Make(local, "isolated.dump", 24); // past the small-file size: the parallel transfer runs
        var back = Path.Combine(local, "back");
        Directory.CreateDirectory(back);
        var environment = new Dictionary<string, string>
        {
            ["HYDRA_ISO_USER_SSHNET"] = UserSshNet.Write(local),
            ["HYDRA_ISO_SSH_PORT"] = server.Port.ToString(CultureInfo.InvariantCulture),
            ["HYDRA_ISO_SSH_USER"] = SshServer.UserName,
            ["HYDRA_ISO_SSH_KEY"] = server.KeyFile,
            ["HYDRA_ISO_KNOWN_HOSTS"] = SshLogin.KnownHosts(server, local),
            ["HYDRA_ISO_ARCHIVE"] = archive,
            ["HYDRA_ISO_REMOTE"] = server.NewRemoteFolder("isolation") + "/",
            ["HYDRA_ISO_BACK"] = back + "/",
        };

        var result = Pwsh.Run(@"$ErrorActionPreference = 'Stop'
# The user's SSH.NET first, as Posh-SSH loads its own: into the default load context.
Add-Type -Path $env:HYDRA_ISO_USER_SSHNET
$userSshNet = [" + UserSshNet.TypeName + @"].Assembly

Import-Module $env:HYDRA_MODULE
$s = New-HydraSshSession -HostName 127.0.0.1 -Port $env:HYDRA_ISO_SSH_PORT -UserName $env:HYDRA_ISO_SSH_USER -KeyFile $env:HYDRA_ISO_SSH_KEY -KnownHostsPath $env:HYDRA_ISO_KNOWN_HOSTS
$up = Copy-HydraDump -Path $env:HYDRA_ISO_ARCHIVE -ToSession $s -Destination $env:HYDRA_ISO_REMOTE
$down = Copy-HydraDump -FromSession $s -Path $up.Path -Destination $env:HYDRA_ISO_BACK
$s | Remove-HydraSshSession

'" + Marker + @"' + (@{
    Down = $down.Path
    SessionSshNet = [" + UserSshNet.TypeName + @"].Assembly.GetName().Version.ToString()
    SameSshNet = [object]::ReferenceEquals([" + UserSshNet.TypeName + @"].Assembly, $userSshNet)
    Loaded = " + LoadedAssemblies + @"
} | ConvertTo-Json -Compress -Depth 4)", environment);

        var report = Report(result);
        var arrived = report.GetProperty("Down").GetString()!;
        Assert.Equal(DumpFiles.Sha256(archive), DumpFiles.Sha256(arrived));

        // The session sees the user's SSH.NET, the very assembly it loaded.
        Assert.Equal(UserSshNet.Version.ToString(), report.GetProperty("SessionSshNet").GetString());
        Assert.True(report.GetProperty("SameSshNet").GetBoolean());

        // Two SSH.NETs side by side: the user's in the default context, the module's in its own.
        var loaded = Loaded(report);
        Assert.Contains(("Default", UserSshNet.AssemblyName, UserSshNet.Version.ToString()), loaded.Select(a => (a.Context, a.Name, a.Version)));
        var module = Assert.Single(loaded, a => a.Name == UserSshNet.AssemblyName && a.Context == "HydraMigration");
        Assert.Equal(moduleSshNet.ToString(), module.Version);
        Assert.StartsWith(Path.Combine(Repository.ModuleFolder, "dependencies", "net8.0") + Path.DirectorySeparatorChar, module.Location, StringComparison.Ordinal);
        Assert.Equal("HydraMigration", Assert.Single(loaded, a => a.Name == "HydraMigration.Engine").Context);
    }

    [Fact]
    public void ObjectsPassBetweenRunspacesOnOneEngineAndTheModuleReimports()
    {
        var targets = new[] { _pg.NewDatabaseName("runspace"), _pg.NewDatabaseName("runspace") };
        var environment = Environment(targets);
        environment["HYDRA_ISO_ROOT"] = _pg.NewFolder("runspaces");

        var result = Pwsh.Run(@"$ErrorActionPreference = 'Stop'
Import-Module $env:HYDRA_MODULE
" + Connections + @"
# The main runspace's connection, used in ForEach-Object -Parallel runspaces; their dumps come back.
$dumps = @(0..1 | ForEach-Object -ThrottleLimit 2 -Parallel {
    $ErrorActionPreference = 'Stop'
    Import-Module $env:HYDRA_MODULE
    New-HydraDump -Connection $using:src -Path (Join-Path $env:HYDRA_ISO_ROOT ('parallel-' + $_ + '.dump'))
} | Sort-Object Path)

# A runspace pool whose runspaces import the module in their InitialSessionState restores them,
# each into a target whose connection the main runspace made.
$state = [initialsessionstate]::CreateDefault()
$state.ImportPSModule($env:HYDRA_MODULE)
$pool = [runspacefactory]::CreateRunspacePool(1, 2, $state, $Host)
$pool.Open()
$runs = foreach ($i in 0..1) {
    $shell = [powershell]::Create()
    $shell.RunspacePool = $pool
    [void]$shell.AddScript({ param($dump, $target) $ErrorActionPreference = 'Stop'; $dump | Restore-HydraDump -Connection $target -CreateDatabase }).AddArgument($dumps[$i]).AddArgument($targets[$i])
    [pscustomobject]@{ Shell = $shell; Handle = $shell.BeginInvoke() }
}
$restored = foreach ($run in $runs) {
    $run.Shell.EndInvoke($run.Handle)
    if ($run.Shell.Streams.Error.Count -gt 0) { throw $run.Shell.Streams.Error[0] }
    $run.Shell.Dispose()
}
$pool.Dispose()

$sameTypes = ($dumps | ForEach-Object { $_ -is [HydraMigration.HydraDump] }) + ($restored | ForEach-Object { $_ -is [HydraMigration.HydraRestoreResult] })
$validated = @($restored | ForEach-Object { $_ | Test-HydraMigration -Quiet })

# The module out and in again, in the same session: the objects made before still work.
Remove-Module HydraMigration
Import-Module $env:HYDRA_MODULE
$revalidated = @($restored | ForEach-Object { $_ | Test-HydraMigration -Quiet })

'" + Marker + @"' + (@{
    Dumps = $dumps.Count; Restored = $restored.Count
    SameTypes = @($sameTypes)
    Validated = $validated; Revalidated = $revalidated
    Loaded = " + LoadedAssemblies + @"
} | ConvertTo-Json -Compress -Depth 4)", environment);

        var report = Report(result);
        Assert.Equal(2, report.GetProperty("Dumps").GetInt32());
        Assert.Equal(2, report.GetProperty("Restored").GetInt32());
        Assert.All(report.GetProperty("SameTypes").EnumerateArray(), t => Assert.True(t.GetBoolean(), "an object from another runspace is not of the session's model type"));
        foreach (var name in new[] { "Validated", "Revalidated" })
        {
            var outcomes = report.GetProperty(name).EnumerateArray().Select(v => v.GetBoolean()).ToList();
            Assert.True(outcomes.Count == 2 && outcomes.All(ok => ok), name + ": " + report.GetProperty(name));
        }

        foreach (var target in targets)
        {
            Assert.Equal(SampleDatabase.Customers, _pg.Target.Count(target, "SELECT count(*) FROM sales.customers"));
        }

        // Five runspaces and a re-import, one engine: one context, one engine, one Npgsql, one model.
        var loaded = Loaded(report);
        Assert.Equal("HydraMigration", Assert.Single(loaded, a => a.Name == "HydraMigration.Engine").Context);
        Assert.Equal("HydraMigration", Assert.Single(loaded, a => a.Name == "Npgsql").Context);
        Assert.Single(loaded, a => a.Name == "HydraMigration.Model");
    }

    /// <summary>pwsh's environment: the source's sample database, the target databases to create, and the clusters' passwords.</summary>
    private Dictionary<string, string> Environment(IEnumerable<string> targets) => new()
    {
        ["HYDRA_ISO_USER"] = PostgresCluster.SuperUser,
        ["HYDRA_ISO_SOURCE_PORT"] = _pg.Source.Port.ToString(CultureInfo.InvariantCulture),
        ["HYDRA_ISO_SOURCE_DB"] = _pg.Sample,
        ["HYDRA_ISO_SOURCE_PASSWORD"] = _pg.Source.SuperPassword,
        ["HYDRA_ISO_TARGET_PORT"] = _pg.Target.Port.ToString(CultureInfo.InvariantCulture),
        ["HYDRA_ISO_TARGET_DBS"] = string.Join(",", targets),
        ["HYDRA_ISO_TARGET_PASSWORD"] = _pg.Target.SuperPassword,
    };

    private static JsonElement Report(PwshResult result)
    {
        Assert.True(result.ExitCode == 0, "pwsh exited " + result.ExitCode + ":\n" + result.Output + result.Errors);
        var line = result.Output.Split('\n').SingleOrDefault(l => l.StartsWith(Marker, StringComparison.Ordinal));
        Assert.True(line is not null, "no report line:\n" + result.Output + result.Errors);
        return JsonDocument.Parse(line![Marker.Length..]).RootElement.Clone();
    }

    private static List<LoadedAssembly> Loaded(JsonElement report) => report.GetProperty("Loaded").EnumerateArray()
        .Select(a => new LoadedAssembly(a.GetProperty("Context").GetString()!, a.GetProperty("Name").GetString()!, a.GetProperty("Version").GetString()!, a.GetProperty("Location").GetString()!))
        .ToList();

    private sealed record LoadedAssembly(string Context, string Name, string Version, string Location);
}
