using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using HydraMigration.Tests.Dump;
using HydraMigration.Tests.Harness;
using IdleSftp = HydraMigration.Ssh.IdleSftpConnections;

namespace HydraMigration.Tests.Ssh;

/// <summary>
/// A session keeps the SFTP connections its copies ended with cleanly and hands them to its next
/// copy: no new login per copy, a kept connection that died while idle replaced, none kept from
/// a stopped copy, two copies at once never sharing one, and none left once the session closes.
/// Counted where the server sees them: sshd's accepted logins and its per-connection processes.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class KeptSftpConnectionTests : IDisposable
{
    // A copy of a file past FileMover's small-file size: its own SFTP connection and the transfer's two.
    private const int ConnectionsPerCopy = 3;
    private const int ArchiveMebibytes = 24;
    private readonly PostgresFixture _pg;
    private readonly SshServer _server;
    private readonly PowerShellSession _ps = new();
    private readonly string _local;
    private readonly string _remote;
    private readonly IReadOnlySet<string> _before;
    private readonly IReadOnlySet<string> _sessionOwn;

    public KeptSftpConnectionTests(PostgresFixture pg, SshFixture ssh)
    {
        _pg = pg;
        _server = ssh.Server;
        _local = pg.NewFolder("kept-sftp");
        _remote = _server.NewRemoteFolder("kept-sftp");
        _before = _server.ConnectionProcesses();
        try
        {
            SshLogin.Open(_ps, "s", _server, _local);
            // Named, not guessed from the lowest process id: ids wrap (at 32768 on many hosts).
            _sessionOwn = _server.ConnectionProcesses().Except(_before).ToHashSet();
            Assert.True(_sessionOwn.Count == 1, $"{_sessionOwn.Count} new connections for the session's one login: {SshServer.Describe(_sessionOwn)}");
        }
        catch
        {
            Dispose(); // xUnit disposes only what it constructed
            throw;
        }
    }

    public void Dispose()
    {
        _ps.Run("Get-HydraSshSession | Remove-HydraSshSession");
        _ps.Dispose();
    }

    [Theory]
    [MemberData(nameof(SftpModes.Both), MemberType = typeof(SftpModes))]
    public void ASecondCopyOnTheSessionLogsInNoMoreItRunsOverTheConnectionsTheFirstKept(SftpMode mode)
    {
        using var sftpMode = SftpModes.Use(mode);
        var source = RandomArchive.Make(_local, "kept.dump", ArchiveMebibytes);
        var logins = _server.Logins();
        Upload(source);
        Assert.Equal(logins + ConnectionsPerCopy, _server.Logins());
        var kept = CopyConnections();
        Assert.Equal(ConnectionsPerCopy, kept.Count);

        var back = Path.Combine(_local, "back");
        Directory.CreateDirectory(back);
        AssertNoErrors(_ps.Run("Copy-HydraDump -FromSession $s -Path $args[0] -Destination $args[1]", _remote + "/kept.dump", back + "/"));
        Upload(source, force: true);

        Assert.Equal(logins + ConnectionsPerCopy, _server.Logins());
        Assert.Equal(kept, CopyConnections());
        Assert.Equal(DumpFiles.Sha256(source), DumpFiles.Sha256(Path.Combine(back, "kept.dump")));
    }

    [Theory]
    [MemberData(nameof(SftpModes.Both), MemberType = typeof(SftpModes))]
    public void AKeptConnectionKilledWhileIdleIsReplacedAndTheCopySucceeds(SftpMode mode)
    {
        using var sftpMode = SftpModes.Use(mode);
        var source = RandomArchive.Make(_local, "idle.dump", ArchiveMebibytes);
        Upload(source);
        var kept = CopyConnections();
        Assert.Equal(ConnectionsPerCopy, kept.Count);
        var killed = kept.First();
        _server.KillConnection(killed);
        Assert.True(Poll.Until(() => !CopyConnections().Contains(killed), TimeSpan.FromSeconds(10)), "the killed connection's sshd lived on");

        var logins = _server.Logins();
        Upload(source, force: true);

        // Only the dead one was replaced: the two alive were used again.
        Assert.Equal(logins + 1, _server.Logins());
        var now = CopyConnections();
        Assert.Equal(ConnectionsPerCopy, now.Count);
        Assert.Equal(ConnectionsPerCopy - 1, now.Intersect(kept).Count());
        Assert.Equal(DumpFiles.Sha256(source), DumpFiles.Sha256(Path.Combine(_remote, "idle.dump")));
    }

    [Fact]
    public void AConnectionKeptLongerThanTheIdleTimeoutIsClosedAndTheNextCopyLogsInAgain()
    {
        // Three minutes in the module; a few seconds here, checked four times a second.
        var (timeout, check) = (IdleSftp.IdleTimeout, IdleSftp.ExpiryCheck);
        IdleSftp.IdleTimeout = TimeSpan.FromSeconds(10);
        IdleSftp.ExpiryCheck = TimeSpan.FromMilliseconds(250);
        try
        {
            var source = RandomArchive.Make(_local, "expired.dump", ArchiveMebibytes);
            Upload(source);
            // Kept when the transfer ended, before the copy's hash check and rename: idle at least this long.
            var idle = System.Diagnostics.Stopwatch.StartNew();
            var kept = CopyConnections();
            Assert.Equal(ConnectionsPerCopy, kept.Count);

            AssertAllClose(kept, "kept connections outlived the idle timeout");
            Assert.True(idle.Elapsed > TimeSpan.FromSeconds(5), $"kept connections closed {idle.Elapsed.TotalSeconds:0.0} s after the copy, long before the idle timeout of 10 s");
            Assert.Equal(0, SshSessionConnection.Of(Session()).IdleSftp.Count);
            Assert.True(Session().IsConnected, "the idle timeout closed the session itself");
            Assert.True(_sessionOwn.IsSubsetOf(_server.ConnectionProcesses()), "the session's own link closed with the kept connections");

            var logins = _server.Logins();
            Upload(source, force: true);
            Assert.Equal(logins + ConnectionsPerCopy, _server.Logins());
            Assert.Equal(DumpFiles.Sha256(source), DumpFiles.Sha256(Path.Combine(_remote, "expired.dump")));

            // The expiry stopped once nothing was kept; the connections kept now start it again.
            var keptAgain = CopyConnections();
            Assert.Equal(ConnectionsPerCopy, keptAgain.Count);
            AssertAllClose(keptAgain, "connections kept after the expiry stopped outlived the idle timeout");
        }
        finally
        {
            IdleSftp.IdleTimeout = timeout;
            IdleSftp.ExpiryCheck = check;
        }
    }

    [Fact]
    public void ARemoteDumpKeepsItsConnectionForTheNextDumpAndForTheCopyThatFetchesIt()
    {
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);
        var logins = _server.Logins();
        AssertNoErrors(_ps.Run("New-HydraDump -Connection $src -SshSession $s -Path $args[0]", _remote + "/first.dump"));
        Assert.Equal(logins + 1, _server.Logins()); // the archive's SFTP connection; pg_dump and the forward run on the session's own
        var kept = CopyConnections();
        Assert.Single(kept);

        var second = _ps.Run("New-HydraDump -Connection $src -SshSession $s -Path $args[0]", _remote + "/second.dump");
        AssertNoErrors(second);
        var fetched = _ps.Run("$args[0] | Copy-HydraDump -Destination $args[1]", second.Output.Single(), _local + "/");
        AssertNoErrors(fetched);

        // The sample's archive is small: the copy moves it over its endpoint's own connection, the one kept.
        Assert.Equal(logins + 1, _server.Logins());
        Assert.Equal(kept, CopyConnections());
        Assert.Equal(DumpFiles.Sha256(Path.Combine(_remote, "second.dump")), DumpFiles.Sha256(Path.Combine(_local, "second.dump")));
    }

    [Fact]
    public void EveryKeptConnectionClosesWithRemoveHydraSshSession()
    {
        Upload(RandomArchive.Make(_local, "removed.dump", ArchiveMebibytes));
        var kept = CopyConnections();
        Assert.Equal(ConnectionsPerCopy, kept.Count);
        var sessionOnly = _server.ConnectionProcesses().Except(_before).ToHashSet();
        Assert.Equal(ConnectionsPerCopy + 1, sessionOnly.Count); // and the session's own link

        AssertNoErrors(_ps.Run("Remove-HydraSshSession -Session $s"));

        Assert.True(Poll.Until(() => !_server.ConnectionProcesses().Overlaps(sessionOnly), TimeSpan.FromSeconds(10)), "connections of the removed session are still open: " + string.Join(", ", _server.ConnectionProcesses().Intersect(sessionOnly)));
    }

    [Fact]
    public void RemovingTheModuleClosesTheKeptConnectionsAndLeavesTheSessionOpen()
    {
        Upload(RandomArchive.Make(_local, "unloaded.dump", ArchiveMebibytes));
        Assert.Equal(ConnectionsPerCopy, CopyConnections().Count);
        var session = Session();
        try
        {
            AssertNoErrors(_ps.Run("Remove-Module HydraMigration"));

            Assert.True(Poll.Until(() => CopyConnections().Count == 0, TimeSpan.FromSeconds(10)), "kept connections outlived the module: " + string.Join(", ", CopyConnections()));
            Assert.True(session.IsConnected, "removing the module closed the session itself");
        }
        finally
        {
            session.Dispose();
        }
    }

    [Fact]
    public void AStoppedCopyKeepsNoneOfItsConnections()
    {
        var source = RandomArchive.Make(_local, "stopped.dump", 384);
        var partial = Path.Combine(_remote, "stopped.dump.hydra-partial");
        using (var running = _ps.Start("Copy-HydraDump -Path $args[0] -ToSession $s -Destination $args[1]", source, _remote + "/"))
        {
            Assert.True(running.WaitUntil(() => File.Exists(partial) && new FileInfo(partial).Length > 32 << 20, TimeSpan.FromSeconds(60)), "the upload never got going");
            Assert.Equal(ConnectionsPerCopy, CopyConnections().Count);
            running.Stop();
            Assert.True(running.WasStopped);
        }

        Assert.True(Poll.Until(() => CopyConnections().Count == 0, TimeSpan.FromSeconds(10)), "the stopped copy's connections were kept: " + string.Join(", ", CopyConnections()));
        Assert.Equal(0, SshSessionConnection.Of(Session()).IdleSftp.Count);
    }

    [Fact]
    public void TwoCopiesAtOnceOnOneSessionEachHaveTheirOwnConnectionsAndNoMoreAreKeptThanOneNeeds()
    {
        var first = RandomArchive.Make(_local, "first.dump", 96);
        var second = RandomArchive.Make(_local, "second.dump", 96);
        Upload(first);
        var logins = _server.Logins();

        // The session object in a second runspace, as ForEach-Object -Parallel hands it over with $using:.
        using var other = new PowerShellSession();
        other.Set("s", _ps.Get("s"));
        using (var one = _ps.Start("Copy-HydraDump -Path $args[0] -ToSession $s -Destination $args[1] -Force", first, _remote + "/"))
        using (var two = other.Start("Copy-HydraDump -Path $args[0] -ToSession $s -Destination $args[1]", second, _remote + "/"))
        {
            AssertNoErrors(one.Wait());
            AssertNoErrors(two.Wait());
        }

        // Six connections at once, three of them kept ones: three new logins, and three kept after.
        Assert.Equal(logins + ConnectionsPerCopy, _server.Logins());
        Assert.True(Poll.Until(() => CopyConnections().Count == ConnectionsPerCopy, TimeSpan.FromSeconds(10)), "kept after both: " + CopyConnections().Count);
        Assert.Equal(DumpFiles.Sha256(first), DumpFiles.Sha256(Path.Combine(_remote, "first.dump")));
        Assert.Equal(DumpFiles.Sha256(second), DumpFiles.Sha256(Path.Combine(_remote, "second.dump")));
    }

    private HydraSshSession Session() => _ps.Get("s") switch
    {
        System.Management.Automation.PSObject wrapped => (HydraSshSession)wrapped.BaseObject,
        var session => (HydraSshSession)session!,
    };

    private static void AssertNoErrors(PipelineResult result) =>
        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e.Exception.Message)));

    private void Upload(string source, bool force = false) =>
        AssertNoErrors(_ps.Run("Copy-HydraDump -Path $args[0] -ToSession $s -Destination $args[1]" + (force ? " -Force" : string.Empty), source, _remote + "/"));

    /// <summary>The server's connections opened since the session, but for the session's own.</summary>
    private HashSet<string> CopyConnections() => _server.ConnectionProcesses().Except(_before).Except(_sessionOwn).ToHashSet();

    /// <summary>Waits a minute for each of <paramref name="connections"/> to end; failing, says what lives on and what the session still keeps.</summary>
    private void AssertAllClose(IReadOnlySet<string> connections, string failure)
    {
        if (!Poll.Until(() => !_server.ConnectionProcesses().Overlaps(connections), TimeSpan.FromSeconds(60)))
        {
            var alive = _server.ConnectionProcesses().Intersect(connections);
            Assert.Fail($"{failure}: {SshServer.Describe(alive)}; the session keeps {SshSessionConnection.Of(Session()).IdleSftp.Count}");
        }
    }
}
