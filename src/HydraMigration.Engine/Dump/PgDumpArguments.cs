using System.Collections.Generic;
using System.Globalization;

namespace HydraMigration.Dump;

/// <summary>pg_dump's argument list for a request. The connection travels in the environment, never here.</summary>
internal static class PgDumpArguments
{
    public static List<string> Build(DumpRequest request, string outputPath, string snapshot)
    {
        var arguments = new List<string>
        {
            "--format=" + FormatLetter(request.Format),
            "--file=" + outputPath,
            "--snapshot=" + snapshot,
            "--verbose",
            "--no-password",
        };

        if (request.Jobs > 1)
        {
            arguments.Add("--jobs=" + request.Jobs.ToString(CultureInfo.InvariantCulture));
        }

        AddEach(arguments, "--schema=", request.Schemas);
        AddEach(arguments, "--exclude-schema=", request.ExcludeSchemas);
        AddEach(arguments, "--table=", request.Tables);
        AddEach(arguments, "--exclude-table=", request.ExcludeTables);
        AddEach(arguments, "--exclude-table-data=", request.ExcludeTableData);
        if (request.SchemaOnly)
        {
            arguments.Add("--schema-only");
        }

        if (request.DataOnly)
        {
            arguments.Add("--data-only");
        }

        if (request.NoOwner)
        {
            arguments.Add("--no-owner");
        }

        if (request.NoAcl)
        {
            arguments.Add("--no-privileges");
        }

        if (!string.IsNullOrEmpty(request.Compression))
        {
            arguments.Add("--compress=" + request.Compression);
        }

        return arguments;
    }

    public static string FormatLetter(HydraDumpFormat format) => format switch
    {
        HydraDumpFormat.Directory => "d",
        HydraDumpFormat.Tar => "t",
        HydraDumpFormat.Plain => "p",
        _ => "c",
    };

    private static void AddEach(List<string> arguments, string option, IEnumerable<string> values)
    {
        foreach (var value in values)
        {
            arguments.Add(option + value);
        }
    }
}
