using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Connections;
using HydraMigration.Infrastructure;
using Npgsql;

namespace HydraMigration.Database;

/// <summary>
/// Creates databases. Names, owners, tablespaces and templates are quoted identifiers and the
/// encoding and locales are quoted literals (CREATE DATABASE takes no parameters), so no name
/// can break out of its place. A database this call created is dropped again if a later step
/// (an extension, Ctrl+C) fails: nothing half-made is left looking ready.
/// </summary>
internal sealed class DatabaseService
{
    private readonly IOperationReporter _reporter;

    public DatabaseService(IOperationReporter reporter) => _reporter = reporter;

    /// <summary>The database already called <see cref="DatabaseRequest.Name"/>, or null.</summary>
    public static async Task<ExistingDatabase?> FindAsync(DatabaseRequest request, CancellationToken cancellationToken)
    {
        using var connection = await OpenMaintenanceAsync(request, cancellationToken).ConfigureAwait(false);
        const string sql = @"SELECT pg_catalog.pg_encoding_to_char(d.encoding), d.datcollate, d.datctype, pg_catalog.pg_get_userbyid(d.datdba),
       ARRAY(SELECT coalesce(a.usename, '?') || '@' || coalesce(host(a.client_addr), 'local') || ' (' || coalesce(nullif(a.application_name, ''), 'no application name') || ')'
             FROM pg_catalog.pg_stat_activity a WHERE a.datid = d.oid AND a.pid <> pg_catalog.pg_backend_pid()),
       pg_catalog.shobj_description(d.oid, 'pg_database')
FROM pg_catalog.pg_database d WHERE d.datname = @name";
        using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("name", request.Name);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new ExistingDatabase(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<string[]>(4), reader.IsDBNull(5) ? null : reader.GetString(5));
    }

    /// <summary>Creates the database (dropping <paramref name="existing"/> first when given) and its extensions.</summary>
    public async Task<HydraDatabase> CreateAsync(DatabaseRequest request, ExistingDatabase? existing, CancellationToken cancellationToken)
    {
        using (var connection = await OpenMaintenanceAsync(request, cancellationToken).ConfigureAwait(false))
        {
            if (existing is not null)
            {
                await DropAsync(connection, request, existing, cancellationToken).ConfigureAwait(false);
            }

            _reporter.Verbose("CREATE DATABASE " + Sql.Identifier(request.Name));
            try
            {
                await ExecuteAsync(connection, CreateStatement(request), cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex)
            {
                throw await ExplainCreateFailureAsync(connection, request, ex, cancellationToken).ConfigureAwait(false);
            }
        }

        try
        {
            return await DescribeAsync(request, created: true, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The database is new and not finished: do not leave it behind looking ready.
            await DropQuietlyAsync(request).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>-IfNotExists: the existing database, with the requested extensions added; warns where it differs from the request.</summary>
    public async Task<HydraDatabase> UseExistingAsync(DatabaseRequest request, ExistingDatabase existing, CancellationToken cancellationToken)
    {
        Differs("encoding", request.Encoding, existing.Encoding);
        Differs("LC_COLLATE", request.LcCollate, existing.Collate);
        Differs("LC_CTYPE", request.LcCtype, existing.Ctype);
        Differs("owner", request.Owner, existing.Owner);
        return await DescribeAsync(request, created: false, cancellationToken).ConfigureAwait(false);

        void Differs(string what, string? asked, string actual)
        {
            if (asked is not null && !string.Equals(Normalize(asked), Normalize(actual), StringComparison.OrdinalIgnoreCase))
            {
                _reporter.Warning(string.Format(CultureInfo.InvariantCulture, "The existing database '{0}' has {1} '{2}', not '{3}' as asked; it is used as it is.", request.Name, what, actual, asked));
            }
        }
    }

    internal static string CreateStatement(DatabaseRequest request)
    {
        var sql = "CREATE DATABASE " + Sql.Identifier(request.Name)
            + " TEMPLATE " + Sql.Identifier(request.Template)
            + " ENCODING " + Sql.Literal(request.Encoding);
        if (request.LcCollate is not null)
        {
            sql += " LC_COLLATE " + Sql.Literal(request.LcCollate);
        }

        if (request.LcCtype is not null)
        {
            sql += " LC_CTYPE " + Sql.Literal(request.LcCtype);
        }

        if (request.Owner is not null)
        {
            sql += " OWNER " + Sql.Identifier(request.Owner);
        }

        if (request.Tablespace is not null)
        {
            sql += " TABLESPACE " + Sql.Identifier(request.Tablespace);
        }

        return sql;
    }

    private static string Normalize(string value) => value.Replace("-", string.Empty).Replace("_", string.Empty);

    private async Task DropAsync(NpgsqlConnection connection, DatabaseRequest request, ExistingDatabase existing, CancellationToken cancellationToken)
    {
        if (existing.OtherSessions.Count > 0 && !request.TerminateConnections)
        {
            throw DatabaseInUse.Error(request.Name, "dropped", existing.OtherSessions);
        }

        _reporter.Verbose("DROP DATABASE " + Sql.Identifier(request.Name));
        try
        {
            if (connection.PostgreSqlVersion.Major >= 13)
            {
                await ExecuteAsync(connection, "DROP DATABASE " + Sql.Identifier(request.Name) + (request.TerminateConnections ? " WITH (FORCE)" : string.Empty), cancellationToken).ConfigureAwait(false);
                return;
            }

            if (request.TerminateConnections)
            {
                using var terminate = new NpgsqlCommand("SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE datname = @name AND pid <> pg_catalog.pg_backend_pid()", connection);
                terminate.Parameters.AddWithValue("name", request.Name);
                await terminate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await ExecuteAsync(connection, "DROP DATABASE " + Sql.Identifier(request.Name), cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (DatabaseInUse.Is(ex))
        {
            // A session connected between the look and the drop.
            throw DatabaseInUse.From(ex, request.Name, "dropped");
        }
    }

    /// <summary>Adds the requested extensions and reads the database back as it now is.</summary>
    private async Task<HydraDatabase> DescribeAsync(DatabaseRequest request, bool created, CancellationToken cancellationToken)
    {
        var target = HydraConnectionFactory.WithDatabase(request.Server, request.Name);
        using var connection = await ServerConnector.OpenAsync(target, cancellationToken).ConfigureAwait(false);
        foreach (var extension in request.Extensions)
        {
            _reporter.Verbose("CREATE EXTENSION IF NOT EXISTS " + Sql.Identifier(extension));
            try
            {
                await ExecuteAsync(connection, "CREATE EXTENSION IF NOT EXISTS " + Sql.Identifier(extension), cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UndefinedFile or PostgresErrorCodes.FeatureNotSupported or PostgresErrorCodes.UndefinedObject)
            {
                throw new HydraException(HydraErrors.ExtensionNotAvailable,
                    string.Format(CultureInfo.InvariantCulture, "The server {0} does not offer the extension '{1}' ({2}).{3} Install it on the server, or leave it out of -Extension.", target.HostName + ":" + target.Port, extension, ex.MessageText, extension == "columnar" ? " Hydra's columnar comes with Hydra." : string.Empty),
                    extension,
                    ex);
            }
        }

        const string sql = @"SELECT pg_catalog.pg_encoding_to_char(d.encoding), d.datcollate, d.datctype, pg_catalog.pg_get_userbyid(d.datdba),
       ARRAY(SELECT e.extname || ' ' || e.extversion FROM pg_catalog.pg_extension e ORDER BY e.extname)
FROM pg_catalog.pg_database d WHERE d.datname = current_database()";
        using var command = new NpgsqlCommand(sql, connection);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new HydraDatabase(target, reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<string[]>(4), created);
    }

    /// <summary>The server function that rejects an encoding its locale cannot represent.</summary>
    private const string EncodingLocaleCheck = "check_encoding_locale_matches";

    /// <summary>The server function behind CREATE DATABASE, which checks the locale names.</summary>
    private const string CreateDatabaseRoutine = "createdb";

    private static async Task<HydraException> ExplainCreateFailureAsync(NpgsqlConnection connection, DatabaseRequest request, PostgresException ex, CancellationToken cancellationToken)
    {
        var server = request.Server.HostName + ":" + request.Server.Port;
        // The server's messages are translated (lc_messages), so the reason comes from the
        // SQLSTATE and, where two reasons share one, the server routine that raised it (never
        // translated): an encoding the locale cannot hold is check_encoding_locale_matches's
        // 22023; an unknown locale is createdb's, 42809 before PostgreSQL 15 and 22023 since.
        if (ex.SqlState == PostgresErrorCodes.InvalidParameterValue && ex.Routine == EncodingLocaleCheck)
        {
            return new HydraException(HydraErrors.EncodingLocaleMismatch, string.Format(CultureInfo.InvariantCulture, "On {0}, {1} {2} Pick a locale made for {3} (e.g. one ending in .UTF-8 for UTF8).", server, ex.MessageText, ex.Detail, request.Encoding), request.Encoding, ex);
        }

        if (ex.SqlState is PostgresErrorCodes.WrongObjectType or PostgresErrorCodes.InvalidParameterValue && ex.Routine == CreateDatabaseRoutine)
        {
            var offered = await OfferedLocalesAsync(connection, request.Encoding, cancellationToken).ConfigureAwait(false);
            return new HydraException(HydraErrors.LocaleNotAvailable,
                string.Format(CultureInfo.InvariantCulture, "The server {0} has no locale '{1}'. It offers, for {2}: {3}. Choose one of those with -Locale (or -LcCollate / -LcCtype).", server, request.LcCollate ?? request.LcCtype, request.Encoding, string.Join(", ", offered)),
                request.LcCollate ?? request.LcCtype,
                ex);
        }

        if (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            return new HydraException(HydraErrors.CreateDatabaseDenied, string.Format(CultureInfo.InvariantCulture, "Role '{0}' may not create databases on {1}: {2}. Connect as a role with CREATEDB.", request.Server.UserName, server, ex.MessageText.TrimEnd('.')), request.Name, ex);
        }

        if (DatabaseInUse.Is(ex))
        {
            // CREATE DATABASE copies its template, which must have no other session on it.
            return DatabaseInUse.From(ex, request.Template, "used as the template of '" + request.Name + "'", "Disconnect them from the template, or use -Template template0.");
        }

        if (ex.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            return new HydraException(HydraErrors.DatabaseAlreadyExists, string.Format(CultureInfo.InvariantCulture, "The database '{0}' was created by someone else meanwhile on {1}.", request.Name, server), request.Name, ex);
        }

        return new HydraException(HydraErrors.CreateDatabaseFailed, string.Format(CultureInfo.InvariantCulture, "CREATE DATABASE '{0}' on {1} failed: {2}{3} (SQLSTATE {4}).", request.Name, server, ex.MessageText, ex.Detail is null ? string.Empty : " " + ex.Detail, ex.SqlState), request.Name, ex);
    }

    private static async Task<List<string>> OfferedLocalesAsync(NpgsqlConnection connection, string encoding, CancellationToken cancellationToken)
    {
        const string sql = @"SELECT DISTINCT c.collcollate FROM pg_catalog.pg_collation c
WHERE c.collprovider = 'c' AND c.collcollate IS NOT NULL AND c.collencoding IN (-1, pg_catalog.pg_char_to_encoding(@encoding))
ORDER BY 1";
        var locales = new List<string>();
        using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("encoding", encoding);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            locales.Add(reader.GetString(0));
        }

        return locales.Count > 0 ? locales : new List<string> { "C", "POSIX" };
    }

    /// <summary>
    /// Drops a database this call created, ending sessions on it. Runs when the caller's token
    /// is already cancelled (Ctrl+C), so it takes none. A failure is a warning that says what
    /// to drop by hand; the return says whether the database is gone.
    /// </summary>
    internal async Task<bool> DropQuietlyAsync(DatabaseRequest request)
    {
        try
        {
            using var connection = await OpenMaintenanceAsync(request, CancellationToken.None).ConfigureAwait(false);
            var force = connection.PostgreSqlVersion.Major >= 13 ? " WITH (FORCE)" : string.Empty;
            await ExecuteAsync(connection, "DROP DATABASE IF EXISTS " + Sql.Identifier(request.Name) + force, CancellationToken.None).ConfigureAwait(false);
            _reporter.Verbose("Dropped the unfinished database " + Sql.Identifier(request.Name));
            return true;
        }
        catch (Exception ex) when (ex is NpgsqlException or HydraException or TimeoutException)
        {
            _reporter.Warning(string.Format(CultureInfo.InvariantCulture, "The unfinished database '{0}' on {1}:{2} could not be dropped ({3}). Drop it by hand once the server answers: DROP DATABASE {4};", request.Name, request.Server.HostName, request.Server.Port, ex.Message, Sql.Identifier(request.Name)));
            return false;
        }
    }

    /// <summary>
    /// Drops roles a failed restore created (-CreateMissingRole), after its database is gone.
    /// Like <see cref="DropQuietlyAsync"/> it takes no token and warns instead of throwing; a
    /// role something still depends on is kept, and the warning says what to drop by hand.
    /// Returns the roles that are gone.
    /// </summary>
    internal async Task<List<string>> DropRolesQuietlyAsync(DatabaseRequest server, IReadOnlyList<string> roles)
    {
        var dropped = new List<string>();
        try
        {
            using var connection = await OpenMaintenanceAsync(server, CancellationToken.None).ConfigureAwait(false);
            foreach (var role in roles)
            {
                try
                {
                    await ExecuteAsync(connection, "DROP ROLE IF EXISTS " + Sql.Identifier(role), CancellationToken.None).ConfigureAwait(false);
                    dropped.Add(role);
                    _reporter.Verbose("Dropped the role " + Sql.Identifier(role) + " the failed restore created");
                }
                catch (PostgresException ex)
                {
                    _reporter.Warning(string.Format(CultureInfo.InvariantCulture, "The role '{0}' the restore created was kept: {1}{2} Once nothing depends on it: DROP ROLE {3};", role, ex.MessageText.TrimEnd('.') + ".", ex.Detail is null ? string.Empty : " " + ex.Detail.TrimEnd('.') + ".", Sql.Identifier(role)));
                }
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or HydraException or TimeoutException)
        {
            var left = roles.Except(dropped).ToList();
            _reporter.Warning(string.Format(CultureInfo.InvariantCulture, "The role(s) {0} the restore created could not be dropped ({1}). Drop them by hand once the server answers: {2}", string.Join(", ", left), ex.Message, string.Join(" ", left.Select(r => "DROP ROLE " + Sql.Identifier(r) + ";"))));
        }

        return dropped;
    }

    /// <summary>
    /// A session on the server, not in the database being made: the connection's own database,
    /// or when that does not exist (a connection that named none defaults to the user's name),
    /// postgres, then template1.
    /// </summary>
    private static async Task<NpgsqlConnection> OpenMaintenanceAsync(DatabaseRequest request, CancellationToken cancellationToken)
    {
        NpgsqlConnection? connection = null;
        HydraException? notFound = null;
        foreach (var database in new[] { request.Server.Database, "postgres", "template1" }.Where(d => d != request.Name).Distinct())
        {
            try
            {
                connection = await ServerConnector.OpenAsync(HydraConnectionFactory.WithDatabase(request.Server, database), cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (HydraException ex) when (ex.Is(HydraErrors.DatabaseNotFound))
            {
                notFound ??= ex;
            }
        }

        if (connection is null)
        {
            throw notFound!;
        }

        // Sql.Literal relies on it; it is the default since PostgreSQL 9.1.
        await ExecuteAsync(connection, "SET standard_conforming_strings = on", cancellationToken).ConfigureAwait(false);
        return connection;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
