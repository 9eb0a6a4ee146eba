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
        var roles = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (!string.IsNullOrEmpty(entry.Owner))
            {
                roles.Add(entry.Owner!);
            }

            if (entry.Desc is "ACL" or "DEFAULT ACL" && entry.Definition is { } sql)
            {
                foreach (Match grant in GrantTo.Matches(sql))
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
        }

        return roles.ToList();
    }

    private static string Unquote(string identifier)
    {
        if (identifier.Length < 2 || identifier[0] != '"')
        {
            return identifier;
        }

        return new StringBuilder(identifier, 1, identifier.Length - 2, identifier.Length).Replace("\"\"", "\"").ToString();
    }
}
