using System.Collections.Generic;
using System.Linq;

namespace HydraMigration.Validation;

/// <summary>Collects results as checks run (from several threads) and hands them back failures first.</summary>
internal sealed class ValidationResults
{
    private readonly List<HydraValidationResult> _items = new();

    public void Add(HydraValidationCategory category, string schema, string name, string check, string? sourceValue, string? targetValue, HydraValidationStatus status, string message)
    {
        lock (_items)
        {
            _items.Add(new HydraValidationResult(category, schema, name, check, sourceValue, targetValue, status, message));
        }
    }

    /// <summary>A comparison of two values: Pass when equal, otherwise <paramref name="whenDifferent"/> with its message.</summary>
    public void Compare(HydraValidationCategory category, string schema, string name, string check, string? sourceValue, string? targetValue, string differentMessage, HydraValidationStatus whenDifferent = HydraValidationStatus.Fail)
    {
        var equal = string.Equals(sourceValue, targetValue, System.StringComparison.Ordinal);
        Add(category, schema, name, check, sourceValue, targetValue, equal ? HydraValidationStatus.Pass : whenDifferent, equal ? "Matches." : differentMessage);
    }

    public void AddRange(IEnumerable<HydraValidationResult> results)
    {
        lock (_items)
        {
            _items.AddRange(results);
        }
    }

    /// <summary>Fail, then Warning, then Pass; within each, by category and name, so a prompt shows the problems first.</summary>
    public List<HydraValidationResult> Sorted()
    {
        lock (_items)
        {
            return _items.OrderBy(r => r.Status).ThenBy(r => r.Category).ThenBy(r => r.Schema, System.StringComparer.Ordinal)
                .ThenBy(r => r.Name, System.StringComparer.Ordinal).ThenBy(r => r.Check, System.StringComparer.Ordinal).ToList();
        }
    }
}
