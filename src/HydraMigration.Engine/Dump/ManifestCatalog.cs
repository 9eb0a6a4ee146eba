using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Catalog;
using Npgsql;

namespace HydraMigration.Dump;

/// <summary>
/// The manifest's catalog: of the source's objects, only what the dump holds. The manifest's
/// table list is the authority for tables (and the indexes, constraints, triggers and owned
/// sequences bound to them); schema-level objects follow the dump's schema filters, and a
/// -Table dump (which carries no views or functions) records none.
/// </summary>
internal static class ManifestCatalog
{
    /// <summary>Narrows <paramref name="objects"/> to the dump, makes it the manifest's catalog and moves the database's state and roles to the manifest's own fields.</summary>
    public static async Task AttachAsync(DumpManifest manifest, CatalogSnapshot objects, IReadOnlyCollection<(string Schema, string Name)> foreignTables, Func<string, bool> schemaIncluded, bool tablesSelected, NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        bool SchemaLevel(string schema) => !tablesSelected && schemaIncluded(schema);
        objects.Views.RemoveAll(v => !SchemaLevel(v.Schema));
        objects.Functions.RemoveAll(f => !SchemaLevel(f.Schema));

        // Indexes, constraints and triggers belong to relations the dump carries: its tables, and
        // the materialized views, views (INSTEAD OF triggers) and foreign tables (CHECK
        // constraints) it keeps. Keyed by relation name alone, objects on those would be dropped
        // from the manifest while the live source (and the target) have them.
        var tables = new HashSet<(string, string)>(manifest.Tables.Select(t => (t.Schema, t.Name)));
        var relations = new HashSet<(string, string)>(tables);
        relations.UnionWith(objects.Views.Select(v => (v.Schema, v.Name)));
        relations.UnionWith(foreignTables.Where(f => SchemaLevel(f.Schema)));
        bool Bound(string schema, string? table) => table is null ? SchemaLevel(schema) : relations.Contains((schema, table));

        var tableSchemas = new HashSet<string>(manifest.Tables.Select(t => t.Schema), StringComparer.Ordinal);
        objects.Schemas.RemoveAll(s => !tableSchemas.Contains(s.Name) && !SchemaLevel(s.Name));
        objects.Indexes.RemoveAll(i => !Bound(i.Schema, i.Table));
        objects.Constraints.RemoveAll(c => !Bound(c.Schema, c.Table));
        objects.Triggers.RemoveAll(t => !Bound(t.Schema, t.Table));
        objects.Sequences.RemoveAll(s => !(s.Table is not null && tables.Contains((s.Schema, s.Table))) && !SchemaLevel(s.Schema));

        // The database's state and the referenced roles live in the manifest itself (the restore
        // re-applies them from there), once: the roles are those the archive names, read here.
        manifest.Database = objects.DatabaseState;
        var names = manifest.Roles.Concat(DatabaseStateReader.RolesNamedBy(manifest.Database, manifest.DatabaseSettings));
        manifest.RoleDefinitions = await new DatabaseStateReader(connection).ReadRolesAsync(names, cancellationToken).ConfigureAwait(false);
        objects.DatabaseState = null;
        objects.Roles = null;

        // The tables, extensions and settings are the manifest's own: one copy of each.
        manifest.Catalog = objects;
        manifest.ShareFactsWithCatalog();
    }
}
