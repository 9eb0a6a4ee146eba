using System;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Collections.Generic;

namespace HydraMigration.Tests.Harness;

/// <summary>
/// A throwaway PostgreSQL 15 cluster (or, from another bin folder, another major's) on 127.0.0.1
/// and a free port, with scram-sha-256 password authentication everywhere (so credentials are
/// really exercised). As root it runs as the postgres user. Dispose stops it and deletes its files.
/// </summary>
public sealed class PostgresCluster : IDisposable
{
    public const string BinFolder = "/usr/lib/postgresql/15/bin";
    public const string SuperUser = "postgres";

    private PostgresCluster(string name, string folder, int port, string password, string serverBinFolder = BinFolder)
    {
        ServerBinFolder = serverBinFolder;
        Name = name;
        Folder = folder;
        Port = port;
        SuperPassword = password;
    }

    public string Name { get; }

    /// <summary>Where its initdb, pg_ctl and postgres are; psql is always PostgreSQL 15's, which reaches every major.</summary>
    public string ServerBinFolder { get; }

    public string Folder { get; }

    public string DataFolder => Path.Combine(Folder, "data");

    public int Port { get; }

    public string SuperPassword { get; }

    /// <param name="name">The cluster's folder name under <paramref name="parentFolder"/>.</param>
    /// <param name="parentFolder">A run folder: a dead run's clusters are found there by their data folders.</param>
    /// <param name="serverBinFolder">The server's bin folder; PostgreSQL 15's unless given.</param>
    public static PostgresCluster Start(string name, string parentFolder, string serverBinFolder = BinFolder)
    {
        var folder = Path.Combine(parentFolder, name);
        Directory.CreateDirectory(folder);
        var password = "Pw-" + Guid.NewGuid().ToString("N");
        var passwordFile = Path.Combine(folder, "pwfile");
        File.WriteAllText(passwordFile, password + "\n");
        if (ExternalCommand.IsRoot)
        {
            // The run folder itself and this cluster's own folder, not the run folder's tree: another
            // cluster starting there at the same time (the fixture starts two) has files that come
            // and go under it, and chown -R failed on one that had gone (postmaster.pid).
            ExternalCommand.Run("chown", new[] { "postgres:postgres", parentFolder });
            ExternalCommand.Run("chown", new[] { "-R", "postgres:postgres", folder });
        }

        ExternalCommand.RunAsPostgres(Path.Combine(serverBinFolder, "initdb"), new[]
        {
            "-D", Path.Combine(folder, "data"), "-U", SuperUser, "--auth=scram-sha-256", "--pwfile=" + passwordFile,
            "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
        });
        File.Delete(passwordFile);

        var port = FreePort();
        var cluster = new PostgresCluster(name, folder, port, password, serverBinFolder);
        File.AppendAllText(Path.Combine(cluster.DataFolder, "postgresql.conf"), string.Format(CultureInfo.InvariantCulture, @"
listen_addresses = '127.0.0.1'
port = {0}
unix_socket_directories = '{1}'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 60
shared_buffers = 128MB
max_wal_size = 2GB
", port, folder));
        ExternalCommand.RunAsPostgres(Path.Combine(serverBinFolder, "pg_ctl"), new[] { "-D", cluster.DataFolder, "-l", Path.Combine(folder, "server.log"), "-w", "-t", "60", "start" });
        return cluster;
    }

    /// <summary>
    /// Starts the cluster in <paramref name="parentFolder"/>/<paramref name="name"/> that an
    /// earlier run left there (its password kept beside it, mode 0600), or a new one: for
    /// benchmarks whose data takes minutes to build. <see cref="StopOnly"/> keeps it for next time.
    /// </summary>
    public static PostgresCluster StartOrReuse(string name, string parentFolder)
    {
        var folder = Path.Combine(parentFolder, name);
        var passwordFile = Path.Combine(parentFolder, name + ".password");
        if (!File.Exists(Path.Combine(folder, "data", "PG_VERSION")) || !File.Exists(passwordFile))
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            var created = Start(name, parentFolder);
            File.WriteAllText(passwordFile, created.SuperPassword);
            File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            return created;
        }

        Stop(Path.Combine(folder, "data")); // left running by a run that was killed
        var port = FreePort();
        var cluster = new PostgresCluster(name, folder, port, File.ReadAllText(passwordFile).Trim());
        File.AppendAllText(Path.Combine(cluster.DataFolder, "postgresql.conf"), string.Format(CultureInfo.InvariantCulture, "\nport = {0}\n", port));
        ExternalCommand.RunAsPostgres(Path.Combine(BinFolder, "pg_ctl"), new[] { "-D", cluster.DataFolder, "-l", Path.Combine(folder, "server.log"), "-w", "-t", "60", "start" });
        return cluster;
    }

    /// <summary>Stops the server and keeps its files.</summary>
    public void StopOnly() => Stop(DataFolder);

    /// <summary>
    /// Runs SQL through psql (not Npgsql: the test process must not load the module's
    /// dependencies itself, or the module's own dependency loading would go untested).
    /// </summary>
    public string Psql(string database, string sql, bool check = true) =>
        ExternalCommand.Run(Path.Combine(BinFolder, "psql"), new[] { "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql }, Environment(database), check).TrimEnd('\n');

    public void Execute(string database, string sql) => Psql(database, sql);

    public long Count(string database, string sql) => long.Parse(Psql(database, sql).Trim(), CultureInfo.InvariantCulture);

    /// <summary>libpq variables that reach this cluster as the superuser.</summary>
    public Dictionary<string, string> Environment(string database = "postgres") => new()
    {
        ["PGHOST"] = "127.0.0.1",
        ["PGPORT"] = Port.ToString(CultureInfo.InvariantCulture),
        ["PGUSER"] = SuperUser,
        ["PGPASSWORD"] = SuperPassword,
        ["PGDATABASE"] = database,
    };

    public void Dispose()
    {
        Stop(DataFolder, ServerBinFolder);
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// Stops whatever cluster runs in <paramref name="dataFolder"/>, immediately. PostgreSQL 15's
    /// pg_ctl stops a server of any major (it only signals the pid in postmaster.pid), so a dead
    /// run's clusters of other majors are stopped without knowing their bin folder.
    /// </summary>
    public static void Stop(string dataFolder, string serverBinFolder = BinFolder)
    {
        if (File.Exists(Path.Combine(dataFolder, "postmaster.pid")))
        {
            ExternalCommand.RunAsPostgres(Path.Combine(serverBinFolder, "pg_ctl"), new[] { "-D", dataFolder, "-m", "immediate", "-w", "stop" }, check: false);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
