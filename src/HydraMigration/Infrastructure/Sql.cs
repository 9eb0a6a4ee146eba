namespace HydraMigration.Infrastructure;

/// <summary>SQL identifier quoting. Every name that reaches SQL text goes through here; values go as parameters.</summary>
internal static class Sql
{
    public static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    public static string Qualified(string schema, string name) => Identifier(schema) + "." + Identifier(name);
}
