using System.Collections.Generic;
using System.Text;

namespace HydraMigration.Tools;

/// <summary>
/// Joins arguments into one command-line string that splits back into exactly the same
/// arguments. netstandard2.0 has no ProcessStartInfo.ArgumentList; .NET splits Arguments
/// with the Windows (CommandLineToArgvW) rules on every platform, so quoting by those rules
/// is correct everywhere — including table names with spaces, quotes and backslashes.
/// </summary>
internal static class CommandLine
{
    private static readonly char[] NeedsQuoting = { ' ', '\t', '\n', '\v', '"' };

    public static string Join(IEnumerable<string> arguments)
    {
        var builder = new StringBuilder();
        foreach (var argument in arguments)
        {
            if (builder.Length > 0)
            {
                builder.Append(' ');
            }

            AppendQuoted(builder, argument);
        }

        return builder.ToString();
    }

    private static void AppendQuoted(StringBuilder builder, string argument)
    {
        if (argument.Length > 0 && argument.IndexOfAny(NeedsQuoting) < 0)
        {
            builder.Append(argument);
            return;
        }

        builder.Append('"');
        var backslashes = 0;
        foreach (var c in argument)
        {
            if (c == '\\')
            {
                backslashes++;
                continue;
            }

            if (c == '"')
            {
                // Backslashes before a quote are doubled, and the quote itself escaped.
                builder.Append('\\', (backslashes * 2) + 1);
            }
            else
            {
                builder.Append('\\', backslashes);
            }

            backslashes = 0;
            builder.Append(c);
        }

        // Backslashes before the closing quote are doubled so they do not escape it.
        builder.Append('\\', backslashes * 2);
        builder.Append('"');
    }
}
