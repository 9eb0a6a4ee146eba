using System;
using System.Management.Automation;

namespace HydraMigration;

/// <summary>
/// A failure the module understands: it carries the stable error id, the PowerShell error
/// category and the object acted on, so a cmdlet can turn it into an <see cref="ErrorRecord"/>
/// without guessing. Messages say what went wrong and what to do; they never hold a secret.
/// </summary>
public sealed class HydraException : Exception
{
    /// <summary>A failure for <paramref name="error"/> (from <see cref="HydraErrors"/>), which brings the id and the category.</summary>
    internal HydraException(HydraError error, string message, object? target = null, Exception? innerException = null, string? toolOutput = null)
        : base(message, innerException)
    {
        Error = error;
        ErrorId = error.Id;
        Category = error.Category;
        Target = target;
        ToolOutput = toolOutput;
    }

    /// <summary>The catalog entry this failure was raised with.</summary>
    internal HydraError Error { get; }

    /// <summary>Whether this failure was raised for <paramref name="error"/>.</summary>
    internal bool Is(HydraError error) => string.Equals(ErrorId, error.Id, StringComparison.Ordinal);

    /// <summary>The reason, stable across releases (e.g. <c>PgDumpFailed</c>).</summary>
    public string ErrorId { get; }

    /// <summary>The PowerShell error category.</summary>
    public ErrorCategory Category { get; }

    /// <summary>The object the failed step acted on (a path, a connection, a table).</summary>
    public object? Target { get; }

    /// <summary>What the external tool (pg_dump, pg_restore) wrote to stderr, when one ran.</summary>
    public string? ToolOutput { get; }
}
