using System.Linq;
using System.Management.Automation;
using HydraMigration.Ssh;

namespace HydraMigration.Commands;

/// <summary>
/// <para type="synopsis">Closes SSH sessions and the port forwards on them.</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "HydraSshSession", DefaultParameterSetName = "Session", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, HelpUri = "https://github.com/hydramigration/HydraMigration/blob/main/README.md")]
[OutputType(typeof(void))]
public sealed class RemoveHydraSshSessionCommand : HydraCmdlet
{
    /// <summary>The sessions to close.</summary>
    [Parameter(ParameterSetName = "Session", Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [Alias("SshSession")]
    public HydraSshSession[] Session { get; set; } = System.Array.Empty<HydraSshSession>();

    /// <summary>The ids of the sessions to close.</summary>
    [Parameter(ParameterSetName = "Id", Mandatory = true)]
    public int[] Id { get; set; } = System.Array.Empty<int>();

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var registry = SshSessionRegistry.Current;
        var sessions = ParameterSetName == "Id"
            ? Id.Select(id => registry.All().FirstOrDefault(s => s.Id == id) ?? NotFound(id)).Where(s => s is not null).ToArray()
            : Session;
        foreach (var session in sessions)
        {
            if (session is not null && ShouldProcess(session.ToString() + " (Id " + session.Id + ")", "Close SSH session"))
            {
                session.Dispose();
                registry.Remove(session);
            }
        }
    }

    private HydraSshSession? NotFound(int id)
    {
        WriteHydraError(new HydraException(HydraErrors.SshSessionNotFound, "There is no SSH session with Id " + id + " in this PowerShell session.", id));
        return null;
    }
}
