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
    internal HydraException(string errorId, ErrorCategory category, string message, object? target = null, Exception? innerException = null, string? toolOutput = null)
        : base(message, innerException)
    {
        ErrorId = errorId;
        Category = category;
        Target = target;
        ToolOutput = toolOutput;
    }

    /// <summary>The reason, stable across releases (e.g. <c>PgDumpFailed</c>).</summary>
    public string ErrorId { get; }

    /// <summary>The PowerShell error category.</summary>
    public ErrorCategory Category { get; }

    /// <summary>The object the failed step acted on (a path, a connection, a table).</summary>
    public object? Target { get; }

    /// <summary>What the external tool (pg_dump, pg_restore) wrote to stderr, when one ran.</summary>
    public string? ToolOutput { get; }
}
