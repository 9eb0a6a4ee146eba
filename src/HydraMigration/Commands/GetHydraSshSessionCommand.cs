using System.Linq;
using System.Management.Automation;
using HydraMigration.Ssh;

namespace HydraMigration.Commands;

/// <summary>
/// <para type="synopsis">Lists the SSH sessions opened in this PowerShell session.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "HydraSshSession", DefaultParameterSetName = "All", HelpUri = "https://github.com/hydramigration/HydraMigration/blob/main/README.md")]
[OutputType(typeof(HydraSshSession))]
public sealed class GetHydraSshSessionCommand : HydraCmdlet
{
    /// <summary>Only the sessions with these ids.</summary>
    [Parameter(ParameterSetName = "Id", Mandatory = true, Position = 0)]
    public int[] Id { get; set; } = System.Array.Empty<int>();

    /// <summary>Only the sessions to these hosts (wildcards allowed).</summary>
    [Parameter(ParameterSetName = "HostName", Mandatory = true, Position = 0)]
    [Alias("ComputerName")]
    [SupportsWildcards]
    public string[] HostName { get; set; } = System.Array.Empty<string>();

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        var sessions = SshSessionRegistry.Current.All();
        if (ParameterSetName == "Id")
        {
            foreach (var id in Id)
            {
                var session = sessions.FirstOrDefault(s => s.Id == id);
                if (session is null)
                {
                    WriteHydraError(new HydraException(HydraErrors.SshSessionNotFound, "There is no SSH session with Id " + id + " in this PowerShell session.", id));
                }
                else
                {
                    WriteObject(session);
                }
            }

            return;
        }

        var patterns = HostName.Select(h => new WildcardPattern(h, WildcardOptions.IgnoreCase)).ToList();
        foreach (var session in sessions.Where(s => patterns.Count == 0 || patterns.Any(p => p.IsMatch(s.HostName))))
        {
            WriteObject(session);
        }
    }
}
