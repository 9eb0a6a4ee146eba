using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Transfer;
using Renci.SshNet;

namespace HydraMigration.Ssh;

/// <summary>
/// Runs POSIX shell commands on an SSH host. Every value placed in a command goes through
/// <see cref="Quote"/>; secrets never go into a command at all, only into its standard input.
/// </summary>
internal static class RemoteShell
{
    private const int KeptErrorLines = 200;

    /// <summary>
    /// One shell word holding exactly <paramref name="value"/>: single quotes, each embedded '
    /// written as '\'' — the one quoting a POSIX shell never expands ($, `, \, " and spaces stay literal).
    /// </summary>
    public static string Quote(string value)
    {
        if (value.IndexOf('\0') >= 0)
        {
            throw new ArgumentException("A path or argument for the SSH host cannot contain a NUL character.", nameof(value));
        }

        return "'" + value.Replace("'", "'\\''") + "'";
    }

    public static string Join(IEnumerable<string> words) => string.Join(" ", words.Select(Quote));

    /// <summary>
    /// Runs <paramref name="command"/>, feeding <paramref name="input"/> to its standard input,
    /// passing each stderr (and stdout) line to <paramref name="onErrorLine"/> (<paramref name="onOutputLine"/>) as it arrives. Cancelling
    /// closes the channel; a command that must stop its children too is killed by the caller.
    /// </summary>
    public static async Task<RemoteCommandResult> RunAsync(SshClient client, string command, string? input, Action<string>? onErrorLine, CancellationToken cancellationToken, Action<string>? onOutputLine = null)
    {
        using var ssh = client.CreateCommand(command);
        var execution = ssh.ExecuteAsync(cancellationToken);
        if (input is not null)
        {
            using var stdin = ssh.CreateInputStream();
            var bytes = new UTF8Encoding(false).GetBytes(input);
            await stdin.WriteAsync(bytes, 0, bytes.Length, cancellationToken).ConfigureAwait(false);
        }

        return await CollectAsync(ssh, execution, onErrorLine, onOutputLine).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a command written around <see cref="Tools.ChildGuard"/>: <paramref name="firstLine"/>
    /// goes to its standard input, which then stays open, unwritten, until the command ends or
    /// <paramref name="stopToken"/> is cancelled — then it is closed, and the guard on the host
    /// stops what it runs and cleans up. If the connection drops, the host sees the same end of
    /// input. The channel itself is never torn down from here, so the guard gets to finish.
    /// </summary>
    public static async Task<RemoteCommandResult> RunGuardedAsync(SshClient client, string command, string firstLine, Action<string>? onErrorLine, Action<string>? onOutputLine, CancellationToken stopToken)
    {
        using var ssh = client.CreateCommand(command);
        var execution = ssh.ExecuteAsync(CancellationToken.None);
        var stdin = ssh.CreateInputStream();
        var closed = 0;
        void Close()
        {
            if (Interlocked.Exchange(ref closed, 1) == 0)
            {
                try
                {
                    stdin.Dispose(); // sends EOF
                }
                catch (Exception ex) when (ex is Renci.SshNet.Common.SshException or ObjectDisposedException or InvalidOperationException or IOException)
                {
                    // The channel or the connection is gone: the host saw the end of input already.
                }
            }
        }

        try
        {
            var bytes = new UTF8Encoding(false).GetBytes(firstLine + "\n");
            await stdin.WriteAsync(bytes, 0, bytes.Length, CancellationToken.None).ConfigureAwait(false);
            await stdin.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            using (stopToken.Register(Close))
            {
                return await CollectAsync(ssh, execution, onErrorLine, onOutputLine).ConfigureAwait(false);
            }
        }
        finally
        {
            Close();
        }
    }

    private static async Task<RemoteCommandResult> CollectAsync(SshCommand ssh, Task execution, Action<string>? onErrorLine, Action<string>? onOutputLine)
    {
        var errorTail = new Queue<string>();
        var errors = Task.Run(() =>
        {
            using var reader = new StreamReader(ssh.ExtendedOutputStream, Encoding.UTF8);
            string? line;
            while ((line = reader.ReadLine()) is not null)
            {
                onErrorLine?.Invoke(line);
                lock (errorTail)
                {
                    errorTail.Enqueue(line);
                    if (errorTail.Count > KeptErrorLines)
                    {
                        errorTail.Dequeue();
                    }
                }
            }
        }, CancellationToken.None);
        var output = Task.Run(() =>
        {
            var text = new StringBuilder();
            using var reader = new StreamReader(ssh.OutputStream, Encoding.UTF8);
            string? line;
            while ((line = reader.ReadLine()) is not null)
            {
                onOutputLine?.Invoke(line);
                text.Append(line).Append('\n');
            }

            return text.ToString();
        }, CancellationToken.None);

        await execution.ConfigureAwait(false);
        await Task.WhenAll(errors, output).ConfigureAwait(false);
        lock (errorTail)
        {
            return new RemoteCommandResult(ssh.ExitStatus ?? -1, output.Result, string.Join("\n", errorTail));
        }
    }
}
