using System;

namespace HydraMigration.Transfer;

/// <summary>POSIX shell quoting for paths placed in remote commands.</summary>
internal static class ShellQuote
{
    /// <summary>
    /// The argument in single quotes, each embedded ' written as '\'' — the one quoting a
    /// POSIX shell never expands inside ($, `, \, " and spaces are all literal).
    /// </summary>
    public static string Quote(string argument)
    {
        if (argument is null)
        {
            throw new ArgumentNullException(nameof(argument));
        }

        if (argument.IndexOf('\0') >= 0)
        {
            throw new ArgumentException("A path cannot contain a NUL character.", nameof(argument));
        }

        return "'" + argument.Replace("'", "'\\''") + "'";
    }
}
