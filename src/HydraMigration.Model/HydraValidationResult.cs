using System.Globalization;

namespace HydraMigration;

/// <summary>The outcome of one check.</summary>
public enum HydraValidationStatus
{
    /// <summary>Source and target differ in a way that loses or changes data or behaviour.</summary>
    Fail,

    /// <summary>A difference worth a look that loses nothing (an extension version), or a check that could not run.</summary>
    Warning,

    /// <summary>Source and target match.</summary>
    Pass,
}

/// <summary>What Test-HydraMigration checks; -Check selects among them.</summary>
public enum HydraValidationCategory
{
    /// <summary>Whether the comparison covers what was asked (filters, manifest contents).</summary>
    Scope,

    /// <summary>Schemas present.</summary>
    Schema,

    /// <summary>Tables present, columns, access method.</summary>
    Table,

    /// <summary>Rows per table.</summary>
    RowCount,

    /// <summary>Table contents, by a hash over key ranges (-DataChecksum).</summary>
    DataChecksum,

    /// <summary>Views and materialized views.</summary>
    View,

    /// <summary>Functions and procedures.</summary>
    Function,

    /// <summary>Index definitions and validity.</summary>
    Index,

    /// <summary>Primary, unique, check, foreign key and exclusion constraints.</summary>
    Constraint,

    /// <summary>Sequence positions.</summary>
    Sequence,

    /// <summary>User triggers.</summary>
    Trigger,

    /// <summary>Extensions and their versions.</summary>
    Extension,

    /// <summary>Per-table Hydra columnar options.</summary>
    ColumnarOptions,

    /// <summary>Database-level settings.</summary>
    DatabaseSetting,

    /// <summary>Owners of schemas, tables, views, functions and sequences.</summary>
    Ownership,

    /// <summary>The database's owner, privileges per grantee, comment, connection limit and security labels; memberships among the roles it references.</summary>
    Database,
}

/// <summary>How Test-HydraMigration compares row counts.</summary>
public enum HydraRowCountMode
{
    /// <summary>count(*) of every table on both sides.</summary>
    Exact,

    /// <summary>The planner's estimates (pg_class.reltuples): fast, approximate, warnings only.</summary>
    Estimate,

    /// <summary>No row counts.</summary>
    Skip,
}

/// <summary>One check of Test-HydraMigration: what was compared, both sides' values and the verdict.</summary>
public sealed class HydraValidationResult
{
    internal HydraValidationResult(HydraValidationCategory category, string schema, string name, string check, string? sourceValue, string? targetValue, HydraValidationStatus status, string message)
    {
        Category = category;
        Schema = schema;
        Name = name;
        Check = check;
        SourceValue = sourceValue;
        TargetValue = targetValue;
        Status = status;
        Message = message;
    }

    /// <summary>The kind of object or fact checked.</summary>
    public HydraValidationCategory Category { get; }

    /// <summary>The object's schema (empty for database-wide checks).</summary>
    public string Schema { get; }

    /// <summary>The object's name.</summary>
    public string Name { get; }

    /// <summary>The property compared (Present, Columns, AccessMethod, Count, Definition…).</summary>
    public string Check { get; }

    /// <summary>The source's (or the manifest's) value.</summary>
    public string? SourceValue { get; }

    /// <summary>The target's value.</summary>
    public string? TargetValue { get; }

    /// <summary>Pass, Fail or Warning.</summary>
    public HydraValidationStatus Status { get; }

    /// <summary>What the difference means and what to do.</summary>
    public string Message { get; }

    /// <summary>"Status Category schema.name Check".</summary>
    public override string ToString() => string.Format(CultureInfo.InvariantCulture, "{0} {1} {2}{3} {4}", Status, Category, Schema.Length == 0 ? string.Empty : Schema + ".", Name, Check);
}
