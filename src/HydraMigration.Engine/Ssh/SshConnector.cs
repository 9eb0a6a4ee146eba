using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace HydraMigration.Ssh;

/// <summary>
/// Opens SSH.NET connections for a <see cref="SshSessionRequest"/>: authentication methods from
/// the request, the host key checked before anything is sent, and every way connecting can
/// fail turned into an error that says which one it was.
/// </summary>
internal static class SshConnector
{
    private static readonly string[] DefaultKeyNames = { "id_ed25519", "id_ecdsa", "id_rsa" };

    /// <summary>Connects a client built by <paramref name="create"/>; <paramref name="trust"/> judges the host key.</summary>
    public static async Task<T> ConnectAsync<T>(SshSessionRequest request, Func<ConnectionInfo, T> create, Func<SshHostKey, HydraException?> trust, CancellationToken cancellationToken)
        where T : BaseClient
    {
        var connectionInfo = BuildConnectionInfo(request);
        var client = create(connectionInfo);
        HydraException? refusal = null;
        SshHostKey? offered = null;
        client.HostKeyReceived += (_, e) =>
        {
            offered = new SshHostKey(e.HostKey);
            refusal = trust(offered);
            e.CanTrust = refusal is null;
        };

        try
        {
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            client.Dispose();
            throw refusal ?? Translate(ex, request);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    internal static ConnectionInfo BuildConnectionInfo(SshSessionRequest request)
    {
        var methods = new List<AuthenticationMethod>();
        var keys = LoadKeys(request);
        if (keys.Count > 0)
        {
            methods.Add(new PrivateKeyAuthenticationMethod(request.UserName, keys.ToArray()));
        }

        if (request.Credential is { } credential)
        {
            var password = credential.GetNetworkCredential().Password;
            methods.Add(new PasswordAuthenticationMethod(request.UserName, password));

            // Servers that leave passwords to PAM ask through keyboard-interactive instead.
            var interactive = new KeyboardInteractiveAuthenticationMethod(request.UserName);
            interactive.AuthenticationPrompt += (_, e) =>
            {
                foreach (var prompt in e.Prompts.Where(p => p.Request.IndexOf("password", StringComparison.OrdinalIgnoreCase) >= 0))
                {
                    prompt.Response = password;
                }
            };
            methods.Add(interactive);
        }

        if (methods.Count == 0)
        {
            throw new HydraException(HydraErrors.SshCredentialMissing, string.Format(CultureInfo.InvariantCulture,
                "No way to log in to {0}: give {1} (password) or {2} (private key); no default key (~/.ssh/id_ed25519, id_ecdsa, id_rsa) was found.", request.Display, request.Parameter("Credential"), request.Parameter("KeyFile")), request.Display);
        }

        CheckPin(request);
        var info = new ConnectionInfo(request.HostName, request.Port, request.UserName, methods.ToArray())
        {
            Timeout = TimeSpan.FromSeconds(request.ConnectTimeoutSeconds > 0 ? request.ConnectTimeoutSeconds : 600),
        };
        PreferKnownHostKeyTypes(info, request);
        Transfer.SshAlgorithms.PreferFastest(info);
        return info;
    }

    /// <summary>The key files given, or ssh's default ones when neither a key nor a password was given.</summary>
    private static List<IPrivateKeySource> LoadKeys(SshSessionRequest request)
    {
        var files = request.KeyFiles.ToList();
        if (files.Count == 0 && request.Credential is null)
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            files = DefaultKeyNames.Select(n => Path.Combine(home, ".ssh", n)).Where(File.Exists).ToList();
        }

        var passphrase = request.KeyPassphrase is null ? null : new System.Net.NetworkCredential("", request.KeyPassphrase).Password;
        var keys = new List<IPrivateKeySource>();
        foreach (var file in files)
        {
            if (!File.Exists(file))
            {
                throw new HydraException(HydraErrors.SshKeyFileNotFound, string.Format(CultureInfo.InvariantCulture, "The key file '{0}' does not exist.", file), file);
            }

            try
            {
                keys.Add(passphrase is null ? new PrivateKeyFile(file) : new PrivateKeyFile(file, passphrase));
            }
            catch (SshPassPhraseNullOrEmptyException)
            {
                throw new HydraException(HydraErrors.SshKeyPassphraseRequired, string.Format(CultureInfo.InvariantCulture, "The key file '{0}' is encrypted: give its passphrase with {1} (a SecureString).", file, request.Parameter("KeyPassphrase")), file);
            }
            catch (Exception ex) when (ex is SshException or System.Security.Cryptography.CryptographicException or ArgumentException or InvalidOperationException or NotSupportedException or FormatException && passphrase is not null && IsEncrypted(file))
            {
                // SSH.NET says so in its own terms ("The random check bytes of the OpenSSH key do
                // not match", a padding error for PEM); what the user needs to know is this.
                throw new HydraException(HydraErrors.SshKeyPassphraseWrong, string.Format(CultureInfo.InvariantCulture,
                    "The passphrase given with {0} does not decrypt the key file '{1}'. Check the passphrase (ssh-keygen -y -f '{1}' asks for it and prints the public key when it is right).", request.Parameter("KeyPassphrase"), file), file, ex);
            }
            catch (Exception ex) when (ex is SshException or System.Security.Cryptography.CryptographicException or ArgumentException or InvalidOperationException or NotSupportedException or FormatException)
            {
                throw new HydraException(HydraErrors.SshKeyFileInvalid, string.Format(CultureInfo.InvariantCulture,
                    "The key file '{0}' could not be read: {1} Check the passphrase, and that it is an OpenSSH or PEM private key (not the .pub file).", file, ex.Message), file, ex);
            }
        }

        return keys;
    }

    /// <summary>
    /// Asks the server for a key type known_hosts already holds for it, as ssh does: otherwise a
    /// host known by its RSA key could offer its ED25519 key and look unknown.
    /// </summary>
    private static void PreferKnownHostKeyTypes(ConnectionInfo info, SshSessionRequest request)
    {
        var known = KnownHostsFile.Read(request.KnownHostsPath).KeyTypesFor(KnownHostsFile.LookupName(request.HostName, request.Port));
        if (known.Count == 0)
        {
            return;
        }

        var all = info.HostKeyAlgorithms.ToList();
        var preferred = all.Where(a => known.Contains(KeyTypeOfAlgorithm(a.Key))).ToList();
        info.HostKeyAlgorithms.Clear();
        foreach (var algorithm in preferred.Concat(all.Except(preferred)))
        {
            info.HostKeyAlgorithms.Add(algorithm.Key, algorithm.Value);
        }
    }

    private static string KeyTypeOfAlgorithm(string algorithm) =>
        algorithm.StartsWith("rsa-sha2-", StringComparison.Ordinal) ? "ssh-rsa" : algorithm;

    internal static HydraException Translate(Exception ex, SshSessionRequest request)
    {
        var where = request.Display;
        var socket = ex as SocketException ?? ex.InnerException as SocketException;
        if (socket is not null)
        {
            return socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => new HydraException(HydraErrors.SshConnectionRefused, string.Format(CultureInfo.InvariantCulture,
                    "Nothing accepts SSH connections on {0} port {1} (connection refused). Check the port and that sshd runs there.", request.HostName, request.Port), where, ex),
                SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => new HydraException(HydraErrors.SshHostNotFound, string.Format(CultureInfo.InvariantCulture,
                    "The SSH host name '{0}' could not be resolved. Check the spelling and DNS.", request.HostName), where, ex),
                SocketError.TimedOut => Timeout(request, ex),
                _ => new HydraException(HydraErrors.SshHostUnreachable, string.Format(CultureInfo.InvariantCulture,
                    "The SSH host {0} port {1} cannot be reached: {2}. Check the network path and firewall.", request.HostName, request.Port, socket.SocketErrorCode), where, ex),
            };
        }

        return ex switch
        {
            HydraException hydra => hydra,
            SshAuthenticationException => new HydraException(HydraErrors.SshAuthenticationFailed, string.Format(CultureInfo.InvariantCulture,
                "SSH authentication as '{0}' on {1} failed: the server refused the password or key. Check {2} / {3} and that the user may log in there.", request.UserName, request.HostName, request.Parameter("Credential"), request.Parameter("KeyFile")), where, ex),
            SshOperationTimeoutException or TimeoutException => Timeout(request, ex),
            _ => new HydraException(HydraErrors.SshConnectionFailed, string.Format(CultureInfo.InvariantCulture,
                "The SSH connection to {0} failed: {1}", where, ex.Message), where, ex),
        };
    }

    private static HydraException Timeout(SshSessionRequest request, Exception ex) =>
        new(HydraErrors.SshTimeout, string.Format(CultureInfo.InvariantCulture,
            "The SSH server {0} port {1} did not answer within {2} s. Check the host and port, or raise {3}.", request.HostName, request.Port, request.ConnectTimeoutSeconds, request.Parameter("ConnectTimeout")), request.Display, ex);

    /// <summary>True when the key file cannot be read without a passphrase: it is encrypted.</summary>
    private static bool IsEncrypted(string file)
    {
        try
        {
            using var plain = new PrivateKeyFile(file);
            return false;
        }
        catch (SshPassPhraseNullOrEmptyException)
        {
            return true;
        }
        catch (Exception ex) when (ex is SshException or System.Security.Cryptography.CryptographicException or ArgumentException or InvalidOperationException or NotSupportedException or FormatException)
        {
            return false; // unreadable for another reason: reported as such
        }
    }

    /// <summary>
    /// A pinned fingerprint must look like one before anything is sent: a typo would otherwise be
    /// reported as a changed host key. ssh prints "SHA256:" and 43 base64 characters.
    /// </summary>
    private static void CheckPin(SshSessionRequest request)
    {
        if (request.HostKeyFingerprint is not { } pin || SshHostKey.IsWellFormedPin(pin))
        {
            return;
        }

        throw new HydraException(HydraErrors.SshHostKeyFingerprintInvalid, string.Format(CultureInfo.InvariantCulture,
            "{0} '{1}' is not a host key fingerprint. Give it as ssh prints it: 'SHA256:' and 43 base64 characters (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the server shows it). MD5 fingerprints are not accepted.",
            request.Parameter("HostKeyFingerprint"), pin), pin);
    }

}
