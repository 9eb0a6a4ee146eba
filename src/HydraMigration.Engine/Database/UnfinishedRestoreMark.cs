using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Connections;
using HydraMigration.Infrastructure;
using Npgsql;

namespace HydraMigration.Database;

/// <summary>
/// The comment a database made by Restore-HydraDump -CreateDatabase carries until its restore
/// has finished. When the restore cannot drop it again (the server died mid-restore, the host
/// was killed) the database does not look ready — \l+ shows why — and the next
/// -CreateDatabase run into that name knows it may drop it and start anew.
/// </summary>
internal static class UnfinishedRestoreMark
{
    private const string Prefix = "HydraMigration: unfinished restore";

    public static bool Is(string? comment) => comment is not null && comment.StartsWith(Prefix, StringComparison.Ordinal);

    public static Task SetAsync(DatabaseRequest database, string archive, CancellationToken cancellationToken) =>
        CommentAsync(database, Sql.Literal(string.Format(CultureInfo.InvariantCulture, "{0} of {1}, started {2:yyyy-MM-dd HH:mm:ss} UTC: not ready. Restore-HydraDump -CreateDatabase drops it and restores anew.", Prefix, archive, DateTime.UtcNow)), cancellationToken);

    public static Task ClearAsync(DatabaseRequest database, CancellationToken cancellationToken) =>
        CommentAsync(database, "NULL", cancellationToken);

    private static async Task CommentAsync(DatabaseRequest database, string value, CancellationToken cancellationToken)
    {
        // From the database itself: the restore's own login reaches it, and COMMENT ON DATABASE works from any.
        using var connection = await ServerConnector.OpenAsync(HydraConnectionFactory.WithDatabase(database.Server, database.Name), cancellationToken).ConfigureAwait(false);
        using (var on = new NpgsqlCommand("SET standard_conforming_strings = on", connection))
        {
            await on.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        using var command = new NpgsqlCommand("COMMENT ON DATABASE " + Sql.Identifier(database.Name) + " IS " + value, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
