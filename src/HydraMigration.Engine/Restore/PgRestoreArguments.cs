using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace HydraMigration.Restore;

/// <summary>pg_restore's argument list. Host, port, user and password travel in the environment.</summary>
internal static class PgRestoreArguments
{
    public static List<string> Build(RestoreRequest request, IEnumerable<string> sections, int jobs, string? useListPath)
    {
        // The database goes as a conninfo string: a plain name containing '=' would itself be read as one.
        var arguments = new List<string> { "--dbname=dbname=" + ConninfoValue(request.Target.Database), "--verbose", "--no-password" };
        foreach (var section in sections)
        {
            arguments.Add("--section=" + section);
        }

        if (jobs > 1)
        {
            arguments.Add("--jobs=" + jobs.ToString(CultureInfo.InvariantCulture));
        }

        Flag(arguments, request.NoOwner, "--no-owner");
        Flag(arguments, request.NoAcl, "--no-privileges");
        Flag(arguments, request.Clean, "--clean");
        Flag(arguments, request.Clean, "--if-exists");
        // -Clean drops before it recreates: only one transaction keeps a failure from leaving the target emptied.
        Flag(arguments, request.SingleTransaction || request.Clean, "--single-transaction");
        Flag(arguments, request.ExitOnError, "--exit-on-error");
        Flag(arguments, request.NoTableAccessMethod, "--no-table-access-method");
        Flag(arguments, request.SchemaOnly, "--schema-only");
        Flag(arguments, request.DataOnly, "--data-only");
        foreach (var schema in request.Schemas)
        {
            arguments.Add("--schema=" + schema);
        }

        foreach (var table in request.Tables)
        {
            arguments.Add("--table=" + table);
        }

        if (request.Role is not null)
        {
            arguments.Add("--role=" + request.Role);
        }

        if (useListPath is not null)
        {
            arguments.Add("--use-list=" + useListPath);
        }

        arguments.Add(request.Path);
        return arguments;
    }

    /// <summary>A conninfo value in single quotes, with \ and ' escaped as libpq expects.</summary>
    internal static string ConninfoValue(string value)
    {
        var escaped = new StringBuilder("'");
        foreach (var c in value)
        {
            if (c is '\\' or '\'')
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.Append('\'').ToString();
    }

    private static void Flag(List<string> arguments, bool on, string flag)
    {
        if (on)
        {
            arguments.Add(flag);
        }
    }
}
