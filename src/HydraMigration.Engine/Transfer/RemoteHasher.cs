using System;
using System.Globalization;
using System.Linq;
using System.IO;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;
using Renci.SshNet.Common;
using HydraMigration.Ssh;

namespace HydraMigration.Transfer;

/// <summary>
/// SHA-256 of a file on the SSH host, computed there: the bytes are not sent back.
/// </summary>
/// <remarks>
/// Tools, fastest first (1 GiB on the development machine, whose CPU has SHA-NI):
/// <c>openssl dgst -sha256</c> 0.9 s (OpenSSL uses SHA-NI), <c>sha256sum</c> 4.3 s (this
/// coreutils does not), <c>shasum -a 256</c> (Perl, macOS/BSD hosts). With none of them the
/// file is read back over SFTP and hashed here, which moves it a second time.
/// </remarks>
internal static class RemoteHasher
{
    /// <summary>
    /// Runs a hashing command; a connection that drops meanwhile is reported as such, with the
    /// host and the file, instead of SSH.NET's exception (the copy's data is kept for -Resume).
    /// </summary>
    private static async Task<RemoteCommandResult> Run(ISshHost host, string command, string subject, CancellationToken cancellationToken)
    {
        try
        {
            return await host.RunAsync(command, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SshException or System.Net.Sockets.SocketException or ObjectDisposedException or IOException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            throw new HydraException(HydraErrors.SshConnectionLost, string.Format(CultureInfo.InvariantCulture,
                "The SSH connection to {0} was lost while hashing '{1}' there ({2}). Nothing copied so far was lost: run the copy again with -Resume to continue.", host, subject, ex.Message.TrimEnd('.')), subject, ex);
        }
    }

    /// <summary>Finds the first hashing tool on the host; prints its name, or nothing.</summary>
    private const string DetectCommand =
        "for t in openssl sha256sum shasum; do if command -v \"$t\" >/dev/null 2>&1; then echo \"$t\"; break; fi; done";

    private static readonly Regex Digest = new("(?<![0-9a-fA-F])[0-9a-fA-F]{64}(?![0-9a-fA-F])", RegexOptions.CultureInvariant);

    /// <summary>
    /// SHA-256 (lowercase hex) of <paramref name="remotePath"/>'s first <paramref name="length"/> bytes
    /// (null: the whole file), computed on the host with openssl, sha256sum or shasum, else read back.
    /// </summary>
    public static async Task<string> ComputeAsync(ISshHost host, string remotePath, long? length, CancellationToken cancellationToken)
    {
        if (host is null)
        {
            throw new ArgumentNullException(nameof(host));
        }

        var tool = await DetectAsync(host, cancellationToken).ConfigureAwait(false);
        if (tool is null)
        {
            return await ReadBackAsync(host, remotePath, length, cancellationToken).ConfigureAwait(false);
        }

        var file = RemoteShell.Quote(remotePath);
        var source = length is null
            ? "cat -- " + file
            : "head -c " + length.Value.ToString(CultureInfo.InvariantCulture) + " -- " + file;

        // A missing file must fail, not hash an empty stream.
        var command = $"test -f {file} || {{ echo \"no such file: \"{file} >&2; exit 3; }}; {source} | {HashCommand(tool)}";
        var result = await Run(host, command, remotePath, cancellationToken).ConfigureAwait(false);
        return ParseDigest(result, tool, remotePath);
    }

    /// <summary>
    /// SHA-256 of every file under <paramref name="folder"/> (a directory-format dump), keyed by the
    /// path relative to it with '/' separators: one command hashes them all on the host.
    /// </summary>
    public static async Task<System.Collections.Generic.Dictionary<string, string>> ComputeFolderAsync(ISshHost host, string folder, CancellationToken cancellationToken)
    {
        var hashes = new System.Collections.Generic.Dictionary<string, string>(StringComparer.Ordinal);
        var tool = await DetectAsync(host, cancellationToken).ConfigureAwait(false);
        if (tool is null)
        {
            var listing = await Run(host, "cd " + RemoteShell.Quote(folder) + " && find . -type f -print", folder, cancellationToken).ConfigureAwait(false);
            foreach (var name in listing.Output.Split('\n').Where(l => l.StartsWith("./", StringComparison.Ordinal)).Select(l => l.Substring(2)))
            {
                hashes[name] = await ReadBackAsync(host, folder.TrimEnd('/') + "/" + name, null, cancellationToken).ConfigureAwait(false);
            }

            return hashes;
        }

        // One line per file: its name, a tab, then whatever the tool prints for its stdin.
        var command = "cd " + RemoteShell.Quote(folder) + " && find . -type f -print | while IFS= read -r f; do printf '%s\\t' \"$f\"; " + HashCommand(tool) + " < \"$f\" || exit 4; done";
        var result = await Run(host, command, folder, cancellationToken).ConfigureAwait(false);
        if (result.ExitStatus != 0)
        {
            throw new HydraException(HydraErrors.RemoteHashFailed, $"Could not hash the files of '{folder}' on the SSH host with {tool} (exit status {result.ExitStatus}): {result.Error.Trim()}", folder, toolOutput: result.Error);
        }

        foreach (var line in result.Output.Split('\n'))
        {
            var tab = line.IndexOf('\t');
            var digest = tab > 2 ? Digest.Match(line, tab) : Match.Empty;
            if (digest.Success)
            {
                hashes[line.Substring(2, tab - 2)] = digest.Value.ToLowerInvariant();
            }
        }

        return hashes;
    }

    /// <summary>
    /// Starts a hasher on the host that reads <paramref name="remotePath"/> range by range as the
    /// upload acknowledges them (<see cref="FollowingHasher.Advance"/>), so the remote hash runs
    /// alongside the transfer instead of after it.
    /// </summary>
    internal static async Task<FollowingHasher> StartFollowingAsync(ISshHost host, string remotePath, CancellationToken cancellationToken)
    {
        var tool = await DetectAsync(host, cancellationToken).ConfigureAwait(false);
        return new FollowingHasher(host, remotePath, tool);
    }

    internal static string HashCommand(string tool) => tool switch
    {
        "openssl" => "openssl dgst -sha256",
        "sha256sum" => "sha256sum",
        _ => "shasum -a 256",
    };

    internal static async Task<string?> DetectAsync(ISshHost host, CancellationToken cancellationToken)
    {
        var found = await Run(host, DetectCommand, "the hashing tools", cancellationToken).ConfigureAwait(false);
        var tool = found.Output.Trim();
        return tool is "openssl" or "sha256sum" or "shasum" ? tool : null;
    }

    internal static string ParseDigest(RemoteCommandResult result, string tool, string remotePath)
    {
        var match = Digest.Match(result.Output);
        if (result.ExitStatus != 0 || !match.Success)
        {
            throw new HydraException(HydraErrors.RemoteHashFailed, $"Could not hash '{remotePath}' on the SSH host with {tool} (exit status {result.ExitStatus}): {result.Error.Trim()}", remotePath, toolOutput: result.Error);
        }

        return match.Value.ToLowerInvariant();
    }

    /// <summary>Hashes the remote file by reading it back over SFTP: the fallback when the host has no hashing tool.</summary>
    internal static async Task<string> ReadBackAsync(ISshHost host, string remotePath, long? length, CancellationToken cancellationToken)
    {
        using var client = host.OpenSftp(cancellationToken);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        try
        {
            using var stream = await client.OpenAsync(remotePath, FileMode.Open, FileAccess.Read, cancellationToken).ConfigureAwait(false);
            var buffer = new byte[64 * 1024];
            var left = length ?? long.MaxValue;
            while (left > 0)
            {
                var read = await stream.ReadAsync(buffer, 0, (int)Math.Min(buffer.Length, left), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                hash.AppendData(buffer, 0, read);
                left -= read;
            }
        }
        catch (Exception ex) when (ex is SshException or IOException)
        {
            throw new HydraException(HydraErrors.RemoteHashFailed, $"Could not read '{remotePath}' back from the SSH host to hash it: {ex.Message}", remotePath, ex);
        }

        return SftpFileTransfer.Hex(hash.GetHashAndReset());
    }
}

/// <summary>
/// A hashing pipeline running on the SSH host during an upload. It reads its standard input
/// as "skip count" lines (64 KiB blocks) and feeds those ranges of the file, read with dd, to
/// one openssl/sha256sum/shasum. Ranges are only ever announced once the upload's contiguous
/// prefix has passed them, so it never reads a hole; the last announcement, at the end, runs
/// to end of file. dd and the hasher are POSIX tools; the data is read from the host's page
/// cache, just written.
/// </summary>
internal sealed class FollowingHasher : IDisposable
{
    private const int Block = 64 * 1024;

    // Announce at least this much at a time: one line and one dd process per 8 MB.
    private const long Step = 128;

    private readonly object _lock = new();
    private readonly ISshHost _host;
    private readonly string _remotePath;
    private readonly string? _tool;
    private readonly SshCommand? _command;
    private readonly Task? _running;
    private readonly Stream? _input;
    private readonly bool _started;
    private long _announcedBlocks;
    private bool _failed;

    // Set under _lock once the input is closed: nothing is written to the channel after that.
    private bool _stopped;

    internal FollowingHasher(ISshHost host, string remotePath, string? tool)
    {
        _host = host;
        _remotePath = remotePath;
        _tool = tool;
        if (tool is null)
        {
            return;
        }

        var file = RemoteShell.Quote(remotePath);
        var script = "while read s c; do dd if=" + file + " bs=" + Block.ToString(CultureInfo.InvariantCulture)
            + " skip=\"$s\" count=\"$c\" 2>/dev/null || { echo 'hydra: dd failed' >&2; exit 1; }; done | " + RemoteHasher.HashCommand(tool);
        try
        {
            // Not cancelled through SSH.NET: its cancel closes the channel from the cancelling
            // thread while the upload's workers may still be announcing ranges, and a range sent
            // after the channel's close reaches sshd for a channel it has freed: sshd then ends
            // the whole connection, and with it the session. Stopping is ours (Dispose): no more
            // announcements, end of input, then close.
            _command = host.CreateCommand(script);
            _running = _command.ExecuteAsync(CancellationToken.None);

            // Disposed while running (a stop), the command faults this task; nobody awaits it then.
            _ = _running.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            _input = _command.CreateInputStream();
            _started = true;
        }
        catch (Exception ex) when (ex is SshException or InvalidOperationException or ObjectDisposedException)
        {
            // Could not start it: FinishAsync hashes the finished file instead.
            _command?.Dispose();
            _command = null;
            _running = null;
            _input = null;
        }
    }

    /// <summary>How the remote hash is computed ("openssl", "sha256sum", "shasum", "read-back").</summary>
    public string Method => _tool ?? "read-back";

    /// <summary>The upload's contiguous acknowledged prefix reached <paramref name="prefixBytes"/>; called from the upload's workers.</summary>
    public void Advance(long prefixBytes)
    {
        if (_input is null)
        {
            return;
        }

        lock (_lock)
        {
            var blocks = prefixBytes / Block;
            // Not once the command has ended on the host: its channel is closing, and SSH.NET
            // does not hold data back from a closing channel (see the constructor).
            if (_failed || _stopped || _running is { IsCompleted: true } || blocks - _announcedBlocks < Step)
            {
                return;
            }

            Announce(blocks - _announcedBlocks);
        }
    }

    /// <summary>After the upload completed: hashes the rest of the file and returns the digest of all of it.</summary>
    public async Task<string> FinishAsync(CancellationToken cancellationToken)
    {
        if (_tool is null)
        {
            return await RemoteHasher.ReadBackAsync(_host, _remotePath, null, cancellationToken).ConfigureAwait(false);
        }

        if (!_started || _input is null || _command is null || _running is null)
        {
            return await RemoteHasher.ComputeAsync(_host, _remotePath, null, cancellationToken).ConfigureAwait(false);
        }

        lock (_lock)
        {
            if (_running.IsCompleted)
            {
                _failed = true; // it ended early on the host: nothing more is written to its channel
            }
            else
            {
                // To end of file: dd stops at EOF.
                Announce(long.MaxValue / Block / 2);
            }

            CloseInput();
        }

        try
        {
            await TaskWaits.WaitAsync(_running, cancellationToken).ConfigureAwait(false);
            if (_failed)
            {
                // An announcement did not get through: the digest covers only part of the file.
                return await RemoteHasher.ComputeAsync(_host, _remotePath, null, cancellationToken).ConfigureAwait(false);
            }

            var result = new RemoteCommandResult(_command.ExitStatus ?? -1, _command.Result, _command.Error);
            return RemoteHasher.ParseDigest(result, _tool!, _remotePath);
        }
        catch (Exception ex) when (ex is SshException or HydraException or InvalidOperationException)
        {
            // The streaming hasher broke (or its announcements did): hash the finished file the plain way.
            return await RemoteHasher.ComputeAsync(_host, _remotePath, null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Ends the hasher: its input is closed first, under the lock, so the channel's close follows the last write.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            CloseInput();
        }

        _command?.Dispose();
    }

    // Callers hold _lock.
    private void CloseInput()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        try
        {
            _input?.Dispose(); // end of input: the remote loop ends, the hasher prints and exits
        }
        catch (Exception ex) when (ex is SshException or ObjectDisposedException or IOException or InvalidOperationException)
        {
            // The channel or the connection is gone already.
        }
    }

    private void Announce(long blocks)
    {
        try
        {
            var line = Encoding.ASCII.GetBytes(_announcedBlocks.ToString(CultureInfo.InvariantCulture) + " " + blocks.ToString(CultureInfo.InvariantCulture) + "\n");
            _input!.Write(line, 0, line.Length);
            _input.Flush();
            _announcedBlocks += blocks;
        }
        catch (Exception ex) when (ex is SshException or ObjectDisposedException or IOException or InvalidOperationException)
        {
            _failed = true;
        }
    }
}
