using System.Collections.Generic;
using System.Linq;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;

namespace HydraMigration.Ssh;

/// <summary>
/// The sessions opened in one PowerShell runspace, so Get-HydraSshSession can list them and
/// Remove-HydraSshSession -Id find them. Per runspace, never process-wide: parallel runbooks
/// and thread jobs each see only their own sessions. The caller still owns each session.
/// </summary>
internal sealed class SshSessionRegistry
{
    private static readonly ConditionalWeakTable<object, SshSessionRegistry> ByRunspace = new();
    private readonly object _gate = new();
    private readonly List<HydraSshSession> _sessions = new();
    private int _lastId;

    public static SshSessionRegistry Current => ByRunspace.GetValue((object?)Runspace.DefaultRunspace ?? ByRunspace, _ => new SshSessionRegistry());

    public int NextId()
    {
        lock (_gate)
        {
            return ++_lastId;
        }
    }

    public void Add(HydraSshSession session)
    {
        lock (_gate)
        {
            _sessions.Add(session);
        }
    }

    public void Remove(HydraSshSession session)
    {
        lock (_gate)
        {
            _sessions.Remove(session);
        }
    }

    /// <summary>Closes the SFTP connections this runspace's sessions keep for their next copy (the module is being removed: none will come). The sessions stay open.</summary>
    public void CloseKeptSftpConnections()
    {
        foreach (var session in All())
        {
            SshSessionConnection.Of(session).IdleSftp.CloseAll();
        }
    }

    public IReadOnlyList<HydraSshSession> All()
    {
        lock (_gate)
        {
            return _sessions.ToList();
        }
    }
}
