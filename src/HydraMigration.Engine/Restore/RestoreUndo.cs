using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using HydraMigration.Connections;
using HydraMigration.Database;
using HydraMigration.Infrastructure;
using Npgsql;

namespace HydraMigration.Restore;

/// <summary>
/// What a restore created on the target server (the database of -CreateDatabase, the roles of
/// -CreateMissingRole), so that a restore that fails or is stopped gives it back: a
/// half-restored database must not look ready, and roles made only for it must not outlive it.
/// With -KeepFailedDatabase everything is kept and the user is told what and how to drop it.
/// </summary>
internal sealed class RestoreUndo
{
    private readonly IOperationReporter _reporter;
    private readonly HydraConnection _target;
    private readonly bool _keep;
    private readonly List<string> _roles = new();
    private DatabaseRequest? _database;

    public RestoreUndo(IOperationReporter reporter, HydraConnection target, bool keep)
    {
        _reporter = reporter;
        _target = target;
        _keep = keep;
    }

    /// <summary>The database this restore created, if it did.</summary>
    public DatabaseRequest? Database => _database;

    public void CreatedDatabase(DatabaseRequest database) => _database = database;

    public void CreatedRole(string role) => _roles.Add(role);

    /// <summary>
    /// Runs <paramref name="work"/>, which records here what it creates, so that however it ends
    /// badly what it created is given back: an error comes back saying what is left on the server;
    /// a stop or the unforeseen still cleans up; a result that did not succeed is undone, and
    /// <paramref name="failedWarning"/> words the warning from the result and what is left.
    /// </summary>
    public async Task<HydraRestoreResult> GuardAsync(Func<Task<HydraRestoreResult>> work, Func<HydraRestoreResult, string, string> failedWarning)
    {
        HydraRestoreResult result;
        try
        {
            result = await work().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HydraException or NpgsqlException)
        {
            var failure = ex as HydraException ?? ServerConnector.QueryFailed((NpgsqlException)ex, _target);
            var left = await UndoAsync().ConfigureAwait(false);
            throw new HydraException(failure.Error, failure.Message + " " + left, failure.Target, failure.InnerException, failure.ToolOutput);
        }
        catch
        {
            // Ctrl+C and the unforeseen: nothing can be written any more, but the server is cleaned.
            await UndoAsync().ConfigureAwait(false);
            throw;
        }

        if (!result.Succeeded)
        {
            _reporter.Warning(failedWarning(result, await UndoAsync().ConfigureAwait(false)));
        }

        return result;
    }

    /// <summary>
    /// Drops what was created (nothing is cancelled: this runs after Ctrl+C too) and says in
    /// one sentence what is left on the server, for the error or warning that follows.
    /// </summary>
    public async Task<string> UndoAsync()
    {
        if (_database is null && _roles.Count == 0)
        {
            return "It had created nothing on the server.";
        }

        if (_keep)
        {
            var kept = Describe(_database?.Name, _roles);
            _reporter.Warning("-KeepFailedDatabase: kept what the failed restore created, " + kept + ". Drop it by hand when done: " + DropStatements(_database?.Name, _roles));
            return "-KeepFailedDatabase kept " + kept + ".";
        }

        var service = new DatabaseService(_reporter);
        var databaseLeft = _database is not null && !await service.DropQuietlyAsync(_database).ConfigureAwait(false) ? _database.Name : null;
        var server = _database ?? new DatabaseRequest(_target, string.Empty);
        var rolesLeft = _roles.Count == 0 ? new List<string>() : _roles.Except(await service.DropRolesQuietlyAsync(server, _roles).ConfigureAwait(false)).ToList();
        var dropped = Describe(databaseLeft is null ? _database?.Name : null, _roles.Except(rolesLeft).ToList());
        var left = databaseLeft is null && rolesLeft.Count == 0
            ? "Nothing it created is left."
            : "Left behind: " + Describe(databaseLeft, rolesLeft) + "; drop by hand: " + DropStatements(databaseLeft, rolesLeft);
        return (dropped.Length > 0 ? "Dropped what it had created (" + dropped + "). " : string.Empty) + left;
    }

    private static string Describe(string? database, List<string> roles)
    {
        var parts = new List<string>();
        if (database is not null)
        {
            parts.Add("the database '" + database + "'");
        }

        if (roles.Count > 0)
        {
            parts.Add(string.Format(CultureInfo.InvariantCulture, "the role(s) {0}", string.Join(", ", roles.Select(r => "'" + r + "'"))));
        }

        return string.Join(" and ", parts);
    }

    private static string DropStatements(string? database, IEnumerable<string> roles) =>
        string.Join(" ", (database is null ? Enumerable.Empty<string>() : new[] { "DROP DATABASE " + Sql.Identifier(database) + ";" })
            .Concat(roles.Select(r => "DROP ROLE " + Sql.Identifier(r) + ";")));
}
