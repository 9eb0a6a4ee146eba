using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Security;
using HydraMigration.Ssh;

namespace HydraMigration.Commands;

/// <summary>
/// The inline SSH parameters: how to log in to an SSH host for one call, without a session
/// from New-HydraSshSession. The cmdlet names the host (-SshHostName, or -ToSshHostName /
/// -FromSshHostName on Copy-HydraDump); these say how to log in and whom to trust, with the
/// same meaning as New-HydraSshSession's parameters. Offered as dynamic parameters so every
/// cmdlet that takes them has exactly the same set.
/// </summary>
public sealed class SshLoginParameters
{
    private static readonly string[] Names = typeof(SshLoginParameters).GetProperties().Select(p => p.Name).ToArray();

    /// <summary>The SSH port.</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int SshPort { get; set; } = SshSessionRequest.DefaultPort;

    /// <summary>The SSH user (default: the credential's user, else the current user).</summary>
    [Parameter]
    public string? SshUserName { get; set; }

    /// <summary>User name and password for SSH password authentication.</summary>
    [Parameter]
    [Credential]
    public PSCredential? SshCredential { get; set; }

    /// <summary>Private key files (OpenSSH or PEM format).</summary>
    [Parameter]
    public string[]? SshKeyFile { get; set; }

    /// <summary>The passphrase of an encrypted key file.</summary>
    [Parameter]
    public SecureString? SshKeyPassphrase { get; set; }

    /// <summary>The known_hosts file (default ~/.ssh/known_hosts).</summary>
    [Parameter]
    public string? SshKnownHostsPath { get; set; }

    /// <summary>Trust exactly this host key ("SHA256:…").</summary>
    [Parameter]
    public string? SshHostKeyFingerprint { get; set; }

    /// <summary>Trust an unknown host on first use and add its key to known_hosts.</summary>
    [Parameter]
    public SwitchParameter SshAcceptNewHostKey { get; set; }

    /// <summary>Seconds to wait for the SSH server.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int SshConnectTimeout { get; set; } = 15;

    /// <summary>A per-call session to <paramref name="hostName"/>; null when no host was named.</summary>
    internal HydraSshSession? SessionFor(PSCmdlet cmdlet, string? hostName) =>
        hostName is null ? null : SshSessionConnection.PerCall(RequestFor(cmdlet, hostName));

    /// <summary>Login options without a host are refused rather than ignored: the user meant to use SSH.</summary>
    internal static void RequireHost(PSCmdlet cmdlet, bool hostNamed, string hostParameters)
    {
        var given = Names.FirstOrDefault(cmdlet.MyInvocation.BoundParameters.ContainsKey);
        if (!hostNamed && given is not null)
        {
            throw new HydraException(HydraErrors.SshHostNameMissing, string.Format(CultureInfo.InvariantCulture,
                "-{0} says how to log in to an SSH host for this call, but no host was named: add {1}.", given, hostParameters), given);
        }
    }

    /// <summary>What to connect to and how, paths resolved against PowerShell's current location.</summary>
    internal SshSessionRequest RequestFor(PSCmdlet cmdlet, string hostName) =>
        new(hostName, SshPort, SshUserName ?? NullIfEmpty(SshCredential?.UserName) ?? Environment.UserName)
        {
            Credential = SshCredential,
            KeyFiles = Array.ConvertAll(SshKeyFile ?? Array.Empty<string>(), f => cmdlet.GetUnresolvedProviderPathFromPSPath(f)),
            KeyPassphrase = SshKeyPassphrase,
            KnownHostsPath = SshKnownHostsPath is null ? SshSessions.DefaultKnownHostsPath : cmdlet.GetUnresolvedProviderPathFromPSPath(SshKnownHostsPath),
            HostKeyFingerprint = SshHostKeyFingerprint,
            AcceptNewHostKey = SshAcceptNewHostKey,
            ConnectTimeoutSeconds = SshConnectTimeout,
            ParameterPrefix = "Ssh",
        };

    /// <summary>A session given both ways is a mistake to point out, not to settle silently.</summary>
    internal static void RefuseBoth(object? session, string? hostName, string sessionParameter, string hostParameter)
    {
        if (session is not null && hostName is not null)
        {
            throw new HydraException(HydraErrors.SshSessionConflict, string.Format(CultureInfo.InvariantCulture,
                "Give either -{0} (an open session) or -{1} with the -Ssh* login parameters (a session for this call), not both.", sessionParameter, hostParameter), hostName);
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
