using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;

namespace HydraMigration.Tests.Harness;

/// <summary>Runs a program for the test harness (initdb, pg_ctl, psql, pg_restore) and fails loudly.</summary>
public static class ExternalCommand
{
    public static bool IsRoot { get; } = Environment.UserName == "root";

    /// <summary>Runs <paramref name="file"/>; as root, as the postgres user (initdb refuses root).</summary>
    public static string RunAsPostgres(string file, IEnumerable<string> arguments, IDictionary<string, string>? environment = null, bool check = true) =>
        IsRoot
            ? Run("runuser", new[] { "-u", "postgres", "--", file }.Concat(arguments), environment, check)
            : Run(file, arguments, environment, check);

    public static string Run(string file, IEnumerable<string> arguments, IDictionary<string, string>? environment = null, bool check = true, int timeoutSeconds = 300, string? stdin = null)
    {
        var info = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
        }

        using var process = Process.Start(info)!;
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(true);
            throw new TimeoutException(file + " did not finish in " + timeoutSeconds + " s");
        }

        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', info.ArgumentList)} exited {process.ExitCode}: {stderr.Result}{stdout.Result}");
        }

        return stdout.Result + stderr.Result;
    }
}
