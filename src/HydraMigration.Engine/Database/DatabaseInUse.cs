using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using Npgsql;

namespace HydraMigration.Database;

/// <summary>
/// The one way a database in use is reported. PostgreSQL says so with SQLSTATE 55006
/// (object_in_use) from DROP DATABASE, CREATE DATABASE (a template with sessions on it) and
/// ALTER DATABASE … RENAME; the code is matched, never the message, which is translated.
/// </summary>
internal static class DatabaseInUse
{
    public const string TerminateAdvice = "Disconnect them, or add -TerminateConnections to end them.";

    public static bool Is(PostgresException ex) => ex.SqlState == PostgresErrorCodes.ObjectInUse;

    /// <summary>What <paramref name="database"/> is needed for, while <paramref name="sessions"/> (when known) are connected to it.</summary>
    public static HydraException Error(string database, string action, IReadOnlyCollection<string>? sessions, Exception? inner = null, string advice = TerminateAdvice) => new(HydraErrors.DatabaseInUse,
        string.Format(
            CultureInfo.InvariantCulture,
            "The database '{0}' cannot be {1}: {2}. {3}",
            database,
            action,
            sessions is { Count: > 0 } ? sessions.Count.ToString(CultureInfo.InvariantCulture) + " other session(s) are connected to it (" + string.Join(", ", sessions) + ")" : "other sessions are connected to it",
            advice),
        database,
        inner);

    /// <summary>55006 raised by PostgreSQL itself: the sessions connected meanwhile, or to a template.</summary>
    public static HydraException From(PostgresException ex, string database, string action, string advice = TerminateAdvice) =>
        Error(database, action, null, ex, advice);
}
