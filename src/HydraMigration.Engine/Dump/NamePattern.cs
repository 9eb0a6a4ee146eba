using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace HydraMigration.Dump;

/// <summary>
/// A pg_dump/psql object-name pattern (<c>-t 'sales.order*'</c>), by psql's rules: unquoted
/// letters fold to lower case; * and ? are wildcards; a dot separates schema from name; $ is
/// literal; other regular-expression characters ([0-9], (a|b), +) keep their meaning; inside
/// double quotes everything is literal and case is kept. Used to know, before pg_dump starts, which tables
/// it will dump, so their rows can be counted while it runs.
/// </summary>
internal sealed class NamePattern
{
    // Passed through as regular-expression syntax outside quotes (psql: all but . * ? $).
    private const string RegexCharacters = "[]()|+{}^\\";

    private readonly Regex? _schema;
    private readonly Regex _name;

    private NamePattern(Regex? schema, Regex name)
    {
        _schema = schema;
        _name = name;
    }

    /// <summary>True when the pattern named no schema: pg_dump then matches only tables visible on the search_path.</summary>
    public bool Unqualified => _schema is null;

    public static NamePattern Parse(string pattern)
    {
        var parts = new List<StringBuilder> { new() };
        var inQuotes = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '"')
            {
                if (inQuotes && i + 1 < pattern.Length && pattern[i + 1] == '"')
                {
                    parts[parts.Count - 1].Append(Regex.Escape("\""));
                    i++;
                }
                else
                {
                    inQuotes = !inQuotes;
                }
            }
            else if (!inQuotes && c == '.')
            {
                parts.Add(new StringBuilder());
            }
            else if (!inQuotes && c == '*')
            {
                parts[parts.Count - 1].Append(".*");
            }
            else if (!inQuotes && c == '?')
            {
                parts[parts.Count - 1].Append('.');
            }
            else if (!inQuotes && RegexCharacters.IndexOf(c) >= 0)
            {
                parts[parts.Count - 1].Append(c);
            }
            else
            {
                var literal = inQuotes ? c : char.ToLowerInvariant(c);
                parts[parts.Count - 1].Append(Regex.Escape(literal.ToString()));
            }
        }

        // database.schema.name is accepted by pg_dump for the current database; keep the last two parts.
        var name = Anchored(parts[parts.Count - 1]);
        var schema = parts.Count > 1 ? Anchored(parts[parts.Count - 2]) : null;
        return new NamePattern(schema, name);
    }

    public static IReadOnlyList<NamePattern> ParseAll(IEnumerable<string>? patterns) =>
        patterns is null ? Array.Empty<NamePattern>() : patterns.Select(Parse).ToList();

    public bool MatchesSchema(string schema) => _name.IsMatch(schema);

    public bool MatchesTable(string schema, string name, bool visibleOnSearchPath) =>
        _name.IsMatch(name) && (_schema is null ? visibleOnSearchPath : _schema.IsMatch(schema));

    private static Regex Anchored(StringBuilder body) =>
        new("^(?:" + body + ")$", RegexOptions.CultureInvariant | RegexOptions.Singleline);
}
