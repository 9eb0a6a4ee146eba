namespace HydraMigration.Infrastructure;

/// <summary>SQL identifier quoting. Every name that reaches SQL text goes through here; values go as parameters.</summary>
internal static class Sql
{
    public static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    public static string Qualified(string schema, string name) => Identifier(schema) + "." + Identifier(name);

    /// <summary>
    /// A string literal, for the few places SQL takes no parameters (CREATE DATABASE options).
    /// Correct because every module session runs with standard_conforming_strings on, where a
    /// backslash is an ordinary character and only the quote needs doubling.
    /// </summary>
    public static string Literal(string value) => "'" + value.Replace("'", "''") + "'";
}
