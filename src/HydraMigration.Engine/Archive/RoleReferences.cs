using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace HydraMigration.Archive;

/// <summary>
/// The roles an archive needs on the target: every entry's owner, and every grantee named in
/// its GRANT statements (PUBLIC is not a role).
/// </summary>
internal static class RoleReferences
{
    private static readonly Regex GrantTo = new(@"\bGRANT\b[^;]*?\bTO\s+(?<roles>(?:""(?:[^""]|"""")+""|[^\s;,""]+)(?:\s*,\s*(?:""(?:[^""]|"""")+""|[^\s;,""]+))*)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);
    private static readonly Regex RoleName = new(@"""(?:[^""]|"""")+""|[^\s;,""]+", RegexOptions.CultureInvariant);

    public static List<string> FromToc(IEnumerable<TocEntry> entries)
    {
        var list = entries.ToList();
        return Owners(list).Union(Grantees(list), StringComparer.Ordinal).OrderBy(r => r, StringComparer.Ordinal).ToList();
    }

    /// <summary>Every role that owns an entry.</summary>
    public static SortedSet<string> Owners(IEnumerable<TocEntry> entries) =>
        new(entries.Where(e => !string.IsNullOrEmpty(e.Owner)).Select(e => e.Owner!), StringComparer.Ordinal);

    /// <summary>Every role named as a grantee in the entries' GRANT statements.</summary>
    public static SortedSet<string> Grantees(IEnumerable<TocEntry> entries)
    {
        var roles = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var entry in entries.Where(e => e.Desc is "ACL" or "DEFAULT ACL" && e.Definition is not null))
        {
            foreach (Match grant in GrantTo.Matches(entry.Definition!))
            {
                foreach (Match role in RoleName.Matches(grant.Groups["roles"].Value))
                {
                    var name = Unquote(role.Value);
                    if (!(role.Value[0] != '"' && string.Equals(name, "PUBLIC", StringComparison.OrdinalIgnoreCase)))
                    {
                        roles.Add(name);
                    }
                }
            }
        }

        return roles;
    }

    internal static string Unquote(string identifier)
    {
        if (identifier.Length < 2 || identifier[0] != '"')
        {
            return identifier;
        }

        return new StringBuilder(identifier, 1, identifier.Length - 2, identifier.Length).Replace("\"\"", "\"").ToString();
    }
}
