using System;
using HydraMigration.Transfer;

namespace HydraMigration.Tests.Harness;

/// <summary>The two ways the transfer engine moves SFTP data; every transfer test runs in both.</summary>
public enum SftpMode
{
    /// <summary>Pipelined requests through SSH.NET's internals (the default where they are found).</summary>
    Fast,

    /// <summary>SSH.NET's public API only: what runs when the internals are missing, or forced by HYDRA_SFTP_PUBLIC_API=1.</summary>
    PublicApi,
}

/// <summary>
/// Puts the engine in one <see cref="SftpMode"/> for a test, through the support lever users
/// have (HYDRA_SFTP_PUBLIC_API), which the engine reads at every transfer. The variable is the
/// process's: the tests that set it share one collection (<see cref="PostgresCollection"/>), so
/// they never run at once; a test of another collection that copies meanwhile runs in either
/// mode, and both must work.
/// </summary>
public static class SftpModes
{
    /// <summary>Both modes, for [Theory, MemberData(nameof(SftpModes.Both), MemberType = typeof(SftpModes))].</summary>
    public static TheoryData<SftpMode> Both => new() { SftpMode.Fast, SftpMode.PublicApi };

    /// <summary>Sets the mode until disposed; then the variable is as it was.</summary>
    public static IDisposable Use(SftpMode mode)
    {
        var before = Environment.GetEnvironmentVariable(SftpInternals.PublicApiVariable);
        Environment.SetEnvironmentVariable(SftpInternals.PublicApiVariable, mode == SftpMode.PublicApi ? "1" : null);
        if (mode == SftpMode.Fast)
        {
            Assert.True(SftpInternals.Current is not null, "the pinned SSH.NET lacks the internals the fast path binds");
        }

        return new Restore(before);
    }

    private sealed class Restore(string? value) : IDisposable
    {
        public void Dispose() => Environment.SetEnvironmentVariable(SftpInternals.PublicApiVariable, value);
    }
}
