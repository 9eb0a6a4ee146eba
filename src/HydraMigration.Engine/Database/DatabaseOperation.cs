using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Infrastructure;

namespace HydraMigration.Database;

/// <summary>
/// What New-HydraDatabase will do, decided by whether the database exists: create it; with
/// -IfNotExists use the one there (adding the extensions asked for); with -Force drop and
/// recreate it. An existing database without either is refused before anything is asked.
/// </summary>
internal static class DatabaseOperation
{
    public static async Task<IOperationPlan<HydraDatabase>> PlanAsync(DatabaseRequest request, CancellationToken cancellationToken)
    {
        var existing = await DatabaseService.FindAsync(request, cancellationToken).ConfigureAwait(false);
        var extensions = request.Extensions.Count == 0 ? null : "CREATE EXTENSION IF NOT EXISTS " + string.Join(", ", request.Extensions);
        if (existing is null)
        {
            return Plan(request, request.CreateAction, "CREATE DATABASE " + Sql.Identifier(request.Name), extensions, (service, token) => service.CreateAsync(request, null, token));
        }

        if (request.IfNotExists)
        {
            // Nothing to change without extensions: the existing database is returned, -WhatIf or not.
            var add = extensions is null ? null : "Add extensions " + string.Join(", ", request.Extensions) + " to the existing database";
            return Plan(request, add, "use the existing database", extensions, (service, token) => service.UseExistingAsync(request, existing, token));
        }

        if (request.Force)
        {
            var sessions = existing.OtherSessions.Count == 0 || !request.TerminateConnections ? string.Empty : string.Format(CultureInfo.InvariantCulture, ", ending {0} other session(s)", existing.OtherSessions.Count);
            return Plan(request, "Drop and recreate database" + sessions, "DROP DATABASE " + Sql.Identifier(request.Name) + sessions + "; then CREATE DATABASE", extensions, (service, token) => service.CreateAsync(request, existing, token));
        }

        throw new HydraException(
            HydraErrors.DatabaseAlreadyExists,
            string.Format(CultureInfo.InvariantCulture, "The {0} already exists. Use -IfNotExists to use it as it is, or -Force to drop and recreate it.", request.Display),
            request.Name);
    }

    private static OperationPlan<HydraDatabase> Plan(DatabaseRequest request, string? action, string first, string? extensions, System.Func<DatabaseService, CancellationToken, Task<HydraDatabase>> run) =>
        new(request.Display, action, new[] { first, extensions }.Where(s => s is not null).Select(s => s!).ToList(), (reporter, token) => run(new DatabaseService(reporter), token));
}
