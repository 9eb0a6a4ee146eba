using System.Collections.Generic;
using System.Globalization;
using HydraMigration.Infrastructure;

namespace HydraMigration.Dump;

/// <summary>What New-HydraDump will do: pg_dump into the archive, then its manifest; -WhatIf prints it.</summary>
internal static class DumpOperation
{
    public static IOperationPlan<HydraDump> Plan(DumpRequest request)
    {
        var where = request.SshSession is null ? string.Empty : " on the SSH host " + request.SshSession;
        var jobs = request.Jobs > 1 ? string.Format(CultureInfo.InvariantCulture, " with {0} jobs", request.Jobs) : string.Empty;
        var steps = new List<string>
        {
            "pg_dump " + request.Source.ServerDisplay + " (" + request.Format + " format" + jobs + ")" + where,
            "write the manifest (catalog, columnar options, settings" + (request.SkipRowCount ? ")" : ", exact row counts)") + " and the archive's SHA-256",
        };
        return new OperationPlan<HydraDump>(
            request.Path + where,
            "Dump " + request.Source.ServerDisplay + " with pg_dump (" + request.Format + " format)",
            steps,
            (reporter, token) => new DumpService(reporter).RunAsync(request, token));
    }
}
