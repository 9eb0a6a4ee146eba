using HydraMigration.Infrastructure;

namespace HydraMigration.Copy;

/// <summary>What Copy-HydraDump will do: copy the archive and its manifest, verified; -WhatIf prints it.</summary>
internal static class CopyOperation
{
    public static IOperationPlan<HydraDump> Plan(CopyRequest request)
    {
        var from = request.From is null ? request.SourcePath : request.From + ":" + request.SourcePath;
        var to = request.To is null ? request.Destination : request.To + ":" + request.Destination;
        var steps = new[]
        {
            (request.Resume ? "continue copying " : "copy ") + from + " and its manifest to " + to + (request.Force ? ", replacing what is there" : string.Empty),
            "verify the copy against the manifest's sizes and SHA-256",
        };
        return new OperationPlan<HydraDump>(to, "Copy dump " + from, steps, (reporter, token) => new CopyService(reporter).RunAsync(request, token));
    }
}
