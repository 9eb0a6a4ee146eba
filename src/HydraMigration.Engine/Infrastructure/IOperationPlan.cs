using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace HydraMigration.Infrastructure;

/// <summary>
/// What a cmdlet that changes something will do, worked out by the engine before anything is
/// changed: request → plan → execute. The cmdlet asks ShouldProcess(<see cref="Target"/>, <see
/// cref="Action"/>), so -WhatIf and -Confirm say exactly what <see cref="IOperationPlan{TResult}.ExecuteAsync"/>
/// then does; <see cref="Steps"/> are that action in order, for -Verbose.
/// </summary>
internal interface IOperationPlan
{
    /// <summary>What is acted on ("database 'shop' on db1:5432", a path).</summary>
    string Target { get; }

    /// <summary>What is done to it, as -WhatIf prints it; null when the plan changes nothing, so there is nothing to confirm.</summary>
    string? Action { get; }

    /// <summary>The action's steps, in the order they run.</summary>
    IReadOnlyList<string> Steps { get; }
}

/// <summary>A plan that can be carried out, reporting through the operation's reporter.</summary>
internal interface IOperationPlan<TResult> : IOperationPlan
{
    Task<TResult> ExecuteAsync(IOperationReporter reporter, CancellationToken cancellationToken);
}
