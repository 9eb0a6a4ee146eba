using System;
using System.Text;

namespace HydraMigration.Catalog;

/// <summary>
/// PostgreSQL 14 began to write every IN argument of a procedure with its mode
/// (<c>restock(IN p_product bigint)</c>, in pg_get_function_identity_arguments and
/// pg_get_functiondef alike), where 13 writes <c>restock(p_product bigint)</c>. The procedure is
/// the same; so that a 13 source and a 14+ target agree (and manifests of 14+ sources keep their
/// names and hashes), a 13 server's procedure text is rewritten into what 14 and later write.
/// </summary>
internal static class LegacyProcedureText
{
    /// <summary>The server_version_num from which IN is written before a procedure's input arguments (in SQL text).</summary>
    public const string MarksInputModesFrom = "140000";

    private static readonly string[] Modes = { "IN ", "OUT ", "INOUT ", "VARIADIC " };

    /// <summary>
    /// <paramref name="arguments"/> (as pg_get_function_arguments or …_identity_arguments write
    /// them) with "IN " before each argument that has no mode. Arguments are split only at a
    /// ", " outside quotes and brackets, so a default such as <c>'a, b'::text</c> stays whole.
    /// </summary>
    public static string MarkInputModes(string arguments)
    {
        if (arguments.Length == 0)
        {
            return arguments;
        }

        var result = new StringBuilder(arguments.Length + 16);
        var depth = 0;
        char? quote = null;
        for (var i = 0; i < arguments.Length; i++)
        {
            if (quote is null && depth == 0 && (i == 0 || (i >= 2 && arguments[i - 2] == ',' && arguments[i - 1] == ' ')) && !StartsWithMode(arguments, i))
            {
                result.Append("IN ");
            }

            var c = arguments[i];
            result.Append(c);
            if (quote is not null)
            {
                // A doubled quote inside a literal or identifier closes and reopens it: the same state.
                quote = c == quote ? null : quote;
            }
            else if (c is '\'' or '"')
            {
                quote = c;
            }
            else if (c is '(' or '[')
            {
                depth++;
            }
            else if (c is ')' or ']')
            {
                depth--;
            }
        }

        return result.ToString();
    }

    /// <summary>
    /// <paramref name="definition"/> (pg_get_functiondef, whose first line ends with the
    /// procedure's <paramref name="arguments"/> in parentheses) with its arguments marked.
    /// </summary>
    public static string MarkInputModes(string definition, string arguments)
    {
        var lineEnd = definition.IndexOf('\n');
        var header = lineEnd < 0 ? definition : definition.Substring(0, lineEnd);
        var written = "(" + arguments + ")";
        if (!header.EndsWith(written, StringComparison.Ordinal))
        {
            return definition; // not the expected shape: left as read, so a difference shows rather than hides
        }

        return header.Substring(0, header.Length - written.Length) + "(" + MarkInputModes(arguments) + ")" + definition.Substring(header.Length);
    }

    private static bool StartsWithMode(string text, int index)
    {
        foreach (var mode in Modes)
        {
            if (string.CompareOrdinal(text, index, mode, 0, mode.Length) == 0)
            {
                return true;
            }
        }

        return false;
    }
}
