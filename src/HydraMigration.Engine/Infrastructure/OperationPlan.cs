using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace HydraMigration.Infrastructure;

/// <summary>
/// A plan whose execution is one service call: the engine's planners build it from a request
/// (say, where a dump goes and with what), so the words -WhatIf prints and the call that runs
/// stay side by side in the engine.
/// </summary>
internal sealed class OperationPlan<TResult> : IOperationPlan<TResult>
{
    private readonly Func<IOperationReporter, CancellationToken, Task<TResult>> _execute;

    public OperationPlan(string target, string? action, IReadOnlyList<string> steps, Func<IOperationReporter, CancellationToken, Task<TResult>> execute)
    {
        Target = target;
        Action = action;
        Steps = steps;
        _execute = execute;
    }

    public string Target { get; }

    public string? Action { get; }

    public IReadOnlyList<string> Steps { get; }

    public Task<TResult> ExecuteAsync(IOperationReporter reporter, CancellationToken cancellationToken) => _execute(reporter, cancellationToken);
}
