using System;
using System.Globalization;
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
    public SwitchParameter IfNotExists { get; set; }

    /// <summary>Drop an existing database of that name and create it anew.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>With -Force: end other sessions connected to the database instead of refusing.</summary>
    [Parameter]
    public SwitchParameter TerminateConnections { get; set; }

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

            var request = DatabaseRequestFor(MaintenanceConnection(), Name);
            request.IfNotExists = IfNotExists;
            request.Force = Force;
            request.TerminateConnections = TerminateConnections;
            var target = string.Format(CultureInfo.InvariantCulture, "database '{0}' on {1}:{2}", Name, request.Server.HostName, request.Server.Port);
            var existing = RunOperation("New-HydraDatabase " + Name, (_, token) => DatabaseService.FindAsync(request, token));

            if (existing is null)
            {
                if (ShouldProcess(target, CreateAction))
                {
                    WriteObject(RunOperation("New-HydraDatabase " + Name, (reporter, token) => new DatabaseService(reporter).CreateAsync(request, null, token)));
                }
            }
            else if (IfNotExists)
            {
                if (Extension.Length == 0 || ShouldProcess(target, "Add extensions " + string.Join(", ", Extension) + " to the existing database"))
                {
                    WriteObject(RunOperation("New-HydraDatabase " + Name, (reporter, token) => new DatabaseService(reporter).UseExistingAsync(request, existing, token)));
                }
            }
            else if (Force)
            {
                var sessions = existing.OtherSessions.Count == 0 ? string.Empty : string.Format(CultureInfo.InvariantCulture, ", ending {0} other session(s)", existing.OtherSessions.Count);
                if (ShouldProcess(target, "Drop and recreate database" + (TerminateConnections ? sessions : string.Empty)))
                {
                    WriteObject(RunOperation("New-HydraDatabase " + Name, (reporter, token) => new DatabaseService(reporter).CreateAsync(request, existing, token)));
                }
            }
            else
            {
                throw new HydraException(HydraErrors.DatabaseAlreadyExists,
                    string.Format(CultureInfo.InvariantCulture, "The {0} already exists. Use -IfNotExists to use it as it is, or -Force to drop and recreate it.", target),
                    Name);
            }
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
