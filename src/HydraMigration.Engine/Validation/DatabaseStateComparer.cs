using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace HydraMigration.Validation;

/// <summary>
/// The Database category: the database's owner, privileges per grantee, comment, connection
/// limit and security labels, and the memberships among the roles it references. Each
/// difference is one result naming the grantee or item. Privileges come normalized from the
/// reader (a NULL ACL expanded to its default), and the owner's own privileges are keyed as
/// "(owner)", so a database restored under another owner compares by what the owner may do.
/// A grant only the target has fails too: it widens who may connect. Memberships are grants
/// of roles, so -NoAcl leaves them out with the privileges.
/// </summary>
internal sealed class DatabaseStateComparer
{
    private const string Item = "(database)";
    private const string OwnerKey = "(owner)";
    private const string Public = "PUBLIC";
    private readonly ValidationResults _results;

    public DatabaseStateComparer(ValidationResults results) => _results = results;

    /// <param name="source">The source's state; null when a manifest predates recording it.</param>
    /// <param name="target">The target's state.</param>
    /// <param name="sourceRoles">The roles the source references, with memberships among them (null when not recorded).</param>
    /// <param name="targetRoles">The same roles as the target has them.</param>
    /// <param name="compareOwner">False when owners were not kept (-NoOwner).</param>
    /// <param name="compareAcl">False when privileges were not kept (-NoAcl).</param>
    public void Compare(ManifestDatabase? source, ManifestDatabase target, IReadOnlyList<ManifestRole>? sourceRoles, IReadOnlyList<ManifestRole> targetRoles, bool compareOwner, bool compareAcl)
    {
        if (source is null)
        {
            _results.Add(HydraValidationCategory.Database, string.Empty, Item, "Skipped", null, null, HydraValidationStatus.Warning, "The manifest predates recording the database's owner, privileges, comment and connection limit: not validated. Validate with -Source, or dump again with this module version.");
            return;
        }

        if (compareOwner)
        {
            _results.Compare(HydraValidationCategory.Database, string.Empty, Item, "Owner", source.Owner, target.Owner, "The database has another owner on the target: ALTER DATABASE … OWNER TO, or validate with -NoOwner if the restore ran with it.");
        }

        _results.Compare(HydraValidationCategory.Database, string.Empty, Item, "Comment", source.Comment, target.Comment, "The database's comment is lost or differs on the target (only pg_restore --create restores it): COMMENT ON DATABASE … IS ….");
        _results.Compare(HydraValidationCategory.Database, string.Empty, Item, "ConnectionLimit", source.ConnectionLimit.ToString(CultureInfo.InvariantCulture), target.ConnectionLimit.ToString(CultureInfo.InvariantCulture), "The database's connection limit differs on the target: ALTER DATABASE … CONNECTION LIMIT ….");
        CompareLabels(source.SecurityLabels, target.SecurityLabels);

        // A membership is a grant too (GRANT role TO member): -NoAcl leaves both out.
        if (compareAcl)
        {
            CompareAcl(source, target);
            if (sourceRoles is not null)
            {
                CompareMemberships(sourceRoles, targetRoles);
            }
        }
    }

    /// <summary>"CONNECT, CREATE*, TEMPORARY": the privileges in name order, '*' marking a grant option (as aclitem does).</summary>
    internal static string Describe(ManifestGrant grant) =>
        string.Join(", ", grant.Privileges.OrderBy(p => p, StringComparer.Ordinal).Select(p => grant.GrantOptions.Contains(p) ? p + "*" : p));

    private void CompareAcl(ManifestDatabase source, ManifestDatabase target)
    {
        var expected = ByGrantee(source);
        var actual = ByGrantee(target);
        // PUBLIC always: what everyone may do is the point of comparing privileges, even when it is nothing.
        foreach (var grantee in expected.Keys.Union(actual.Keys).Append(Public).Distinct(StringComparer.Ordinal).OrderBy(k => k, StringComparer.Ordinal))
        {
            expected.TryGetValue(grantee, out var want);
            actual.TryGetValue(grantee, out var have);
            var message = want is null
                ? "The target grants " + grantee + " privileges on the database that the source does not (" + have + "): REVOKE them, or the migration widened who may connect."
                : "The database's privileges for " + grantee + " differ on the target (only pg_restore --create restores them): GRANT / REVOKE … ON DATABASE to match.";
            _results.Compare(HydraValidationCategory.Database, string.Empty, grantee, "Privileges", want ?? "(none)", have ?? "(none)", message);
        }
    }

    private static Dictionary<string, string> ByGrantee(ManifestDatabase state)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var grant in state.Acl.Where(g => g.Privileges.Count > 0))
        {
            map[grant.Grantee == state.Owner ? OwnerKey : grant.Grantee] = Describe(grant);
        }

        return map;
    }

    private void CompareLabels(IReadOnlyList<ManifestSecurityLabel> source, IReadOnlyList<ManifestSecurityLabel> target)
    {
        var onTarget = target.ToDictionary(l => l.Provider, l => l.Label, StringComparer.Ordinal);
        foreach (var label in source)
        {
            onTarget.TryGetValue(label.Provider, out var other);
            _results.Compare(HydraValidationCategory.Database, string.Empty, label.Provider, "SecurityLabel", label.Label, other, "The database's security label for this provider is lost or differs: SECURITY LABEL FOR … ON DATABASE … IS … (the provider must be loaded on the target).");
        }
    }

    /// <summary>Memberships among the source's referenced roles, each named "member in group".</summary>
    private void CompareMemberships(IReadOnlyList<ManifestRole> source, IReadOnlyList<ManifestRole> target)
    {
        var names = new HashSet<string>(source.Select(r => r.Name), StringComparer.Ordinal);
        static Dictionary<string, string> Memberships(IEnumerable<ManifestRole> roles, HashSet<string> among) =>
            roles.SelectMany(r => r.MemberOf.Where(m => among.Contains(m.Role)).Select(m => (Key: r.Name + " in " + m.Role, Value: m.AdminOption ? "member with admin option" : "member")))
                .GroupBy(m => m.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);

        var expected = Memberships(source, names);
        var actual = Memberships(target.Where(r => names.Contains(r.Name)), names);
        foreach (var key in expected.Keys.Union(actual.Keys).OrderBy(k => k, StringComparer.Ordinal))
        {
            expected.TryGetValue(key, out var want);
            actual.TryGetValue(key, out var have);
            _results.Compare(HydraValidationCategory.Database, string.Empty, key, "Membership", want ?? "(none)", have ?? "(none)",
                "The role membership differs on the target, so privileges granted through the group do not reach the member the same way: GRANT / REVOKE the role to match (-CreateMissingRole recreates memberships of the roles it creates).");
        }
    }
}
