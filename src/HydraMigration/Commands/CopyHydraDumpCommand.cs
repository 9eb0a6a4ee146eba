using System;
using System.Management.Automation;
using HydraMigration.Copy;

namespace HydraMigration.Commands;

/// <summary>
/// <para type="synopsis">Copies a dump and its manifest to or from an SSH host, verified against the manifest's SHA-256.</para>
/// </summary>
[Cmdlet(VerbsCommon.Copy, "HydraDump", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, HelpUri = "https://github.com/hydramigration/HydraMigration/blob/main/README.md")]
[OutputType(typeof(HydraDump))]
public sealed class CopyHydraDumpCommand : HydraCmdlet, IDynamicParameters
{
    private readonly SshLoginParameters _sshLogin = new();
    private HydraSshSession? _oneCallFrom;
    private HydraSshSession? _oneCallTo;

    /// <summary>The archive (file or directory-format folder); binds from a HydraDump.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>A folder (the archive keeps its name) or a new name.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = string.Empty;

    /// <summary>Download from this session's host; binds from a HydraDump that lives there.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("SshSession")]
    public HydraSshSession? FromSession { get; set; }

    /// <summary>Upload to this session's host.</summary>
    [Parameter]
    public HydraSshSession? ToSession { get; set; }

    /// <summary>Download from this SSH host, logged in with the -Ssh* parameters for this call only.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? FromSshHostName { get; set; }

    /// <summary>Upload to this SSH host, logged in with the -Ssh* parameters for this call only.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ToSshHostName { get; set; }

    /// <summary>The dump's manifest (binds from a HydraDump); otherwise the one beside the archive is read.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public DumpManifest? Manifest { get; set; }

    /// <summary>Replace an existing destination.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Continue a copy an earlier run left unfinished.</summary>
    [Parameter]
    public SwitchParameter Resume { get; set; }

    /// <inheritdoc />
    public object GetDynamicParameters() => _sshLogin;

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        try
        {
            SshLoginParameters.RefuseBoth(FromSession, FromSshHostName, nameof(FromSession), nameof(FromSshHostName));
            SshLoginParameters.RefuseBoth(ToSession, ToSshHostName, nameof(ToSession), nameof(ToSshHostName));
            SshLoginParameters.RequireHost(this, FromSshHostName is not null || ToSshHostName is not null, "-ToSshHostName or -FromSshHostName");
            var fromSession = FromSession ?? (_oneCallFrom ??= _sshLogin.SessionFor(this, FromSshHostName));
            var toSession = ToSession ?? (_oneCallTo ??= _sshLogin.SessionFor(this, ToSshHostName));

            // Paths on an SSH host are that host's own; only local ones go through PowerShell's providers.
            var source = fromSession is null ? GetUnresolvedProviderPathFromPSPath(Path) : Path;
            var destination = toSession is null ? LocalDestination(Destination) : Destination;
            var from = fromSession is null ? source : fromSession + ":" + source;
            var to = toSession is null ? destination : toSession + ":" + destination;
            if (!ShouldProcess(to, "Copy dump " + from))
            {
                return;
            }

            var request = new CopyRequest(source, destination)
            {
                From = fromSession,
                To = toSession,
                Manifest = Manifest,
                Force = Force,
                Resume = Resume,
            };
            WriteObject(RunOperation("Copy-HydraDump " + from, (reporter, token) => new CopyService(reporter).RunAsync(request, token)));
        }
        catch (HydraException ex)
        {
            WriteHydraError(ex);
        }
        catch (Exception ex) when (ex is not PipelineStoppedException and not OperationCanceledException)
        {
            WriteUnexpectedError(ex, HydraErrors.CopyFailed, Path);
        }
    }

    /// <summary>The provider path, keeping a trailing separator: it says "into this folder".</summary>
    private string LocalDestination(string destination)
    {
        var resolved = GetUnresolvedProviderPathFromPSPath(destination);
        var intoFolder = destination.EndsWith("/", StringComparison.Ordinal) || destination.EndsWith("\\", StringComparison.Ordinal);
        return intoFolder && !resolved.EndsWith(System.IO.Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal)
            ? resolved + System.IO.Path.DirectorySeparatorChar
            : resolved;
    }
}
