using System;
using System.Diagnostics;

namespace HydraMigration.Tests.Harness;

/// <summary>Run folders carry their test process's id; a folder whose process is gone was never cleaned up.</summary>
public static class DeadRuns
{
    public static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
