using System;
using System.Linq;
using System.Management.Automation;

namespace HydraMigration;

/// <summary>
/// One entry of the error catalog (<see cref="HydraErrors"/>): the stable id users match in
/// <c>FullyQualifiedErrorId</c> and the PowerShell category it is reported with. A few reasons
/// are reported under more than one category (a transfer that failed reading, writing, or on a
/// missing file); the entry lists those, and <see cref="As"/> refuses any other.
/// </summary>
internal sealed class HydraError
{
    private readonly ErrorCategory[] _alternatives;

    internal HydraError(string id, ErrorCategory category, params ErrorCategory[] alternatives)
    {
        Id = id;
        Category = category;
        _alternatives = alternatives;
    }

    /// <summary>The reason, stable across releases (e.g. <c>PgDumpFailed</c>).</summary>
    public string Id { get; }

    /// <summary>The category the reason is reported with.</summary>
    public ErrorCategory Category { get; }

    /// <summary>Every category the catalog allows for this reason, the usual one first.</summary>
    public ErrorCategory[] Categories => new[] { Category }.Concat(_alternatives).ToArray();

    /// <summary>The same reason under another of its catalogued categories.</summary>
    public HydraError As(ErrorCategory category)
    {
        if (category != Category && !_alternatives.Contains(category))
        {
            throw new ArgumentException("The error catalog does not pair " + Id + " with " + category + ".", nameof(category));
        }

        return category == Category ? this : new HydraError(Id, category, _alternatives.Append(Category).Where(c => c != category).ToArray());
    }

    /// <summary>The ErrorRecord for a failure the module did not raise itself (a cmdlet's catch-all).</summary>
    public ErrorRecord ToRecord(Exception exception, object? target) => new(exception, Id, Category, target);

    /// <inheritdoc />
    public override string ToString() => Id;
}
