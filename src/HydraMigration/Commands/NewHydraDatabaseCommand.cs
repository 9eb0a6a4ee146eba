using System;
using System.Management.Automation;
using HydraMigration.Connections;
using HydraMigration.Database;

namespace HydraMigration.Commands;

/// <summary>
/// <para type="synopsis">Creates a database (CREATE DATABASE) with its encoding, locale, owner and extensions.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "HydraDatabase", DefaultParameterSetName = InlineSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = "https://github.com/hydramigration/HydraMigration/blob/main/README.md")]
[OutputType(typeof(HydraDatabase))]
public sealed class NewHydraDatabaseCommand : HydraDatabaseOptionsCmdlet
{
    private const string MaintenanceDatabase = "postgres";

    #region Parameters

    /// <summary>Name of the database to create; any characters.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    /// <summary>Return an existing database of that name instead of failing.</summary>
    [Parameter]
    public SwitchParameter IfNotExists { get => DatabaseOptions().IfNotExists; set => DatabaseOptions().IfNotExists = value; }

    /// <summary>Drop an existing database of that name and create it anew.</summary>
    [Parameter]
    public SwitchParameter Force { get => DatabaseOptions().Force; set => DatabaseOptions().Force = value; }

    /// <summary>With -Force: end other sessions connected to the database instead of refusing.</summary>
    [Parameter]
    public SwitchParameter TerminateConnections { get => DatabaseOptions().TerminateConnections; set => DatabaseOptions().TerminateConnections = value; }

    #endregion

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        try
        {
            if (IfNotExists && Force)
            {
                throw new HydraException(HydraErrors.IfNotExistsWithForce, "-IfNotExists keeps an existing database and -Force replaces it: give at most one.", Name);
            }

            var request = DatabaseOptions().For(MaintenanceConnection(), Name);
            var plan = RunOperation("New-HydraDatabase " + Name, (_, token) => DatabaseOperation.PlanAsync(request, token));
            Execute(plan, "New-HydraDatabase " + Name, WriteObject);
        }
        catch (HydraException ex)
        {
            WriteHydraError(ex);
        }
    }

    /// <summary>The server's maintenance database: never the one being created or dropped.</summary>
    private HydraConnection MaintenanceConnection()
    {
        var server = Connection ?? ConnectionFromParameters(MaintenanceDatabase);
        return string.Equals(server.Database, Name, StringComparison.Ordinal)
            ? HydraConnectionFactory.WithDatabase(server, MaintenanceDatabase)
            : server;
    }
}
