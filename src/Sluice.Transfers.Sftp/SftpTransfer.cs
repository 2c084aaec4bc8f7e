using System.Collections.Concurrent;
using System.Net.Sockets;
using Renci.SshNet;
using Renci.SshNet.Common;
using Sluice.Core.Transfers;

namespace Sluice.Transfers.Sftp;

/// <summary>
/// sftp: the connection, authentication and ciphers are SSH.NET's, the sftp protocol Sluice's own
/// (<see cref="SftpSession"/>, over <see cref="SubsystemChannel"/>). Authenticates with the password from the URL, the key in
/// <see cref="TransferOptions.SshKeyFile"/>, or the usual keys in <c>~/.ssh</c>. Connections are
/// kept and reused; one that fails is dropped and a new one opened. Operations called at once on one
/// instance each get a session of their own, up to <see cref="SessionMax"/>: the server runs one sftp
/// process per session and serves its requests one after the other. A flow's work never does that: its
/// <c>TransferPool</c> gives each instance to one worker at a time, so an instance there has one SSH
/// connection (and sftp session) open, and the pool's bound on instances per server bounds the sessions.
/// Relative paths are relative to the login directory (as sr3 and the sftp command treat them).
/// </summary>
public sealed class SftpTransfer : ITransfer
{
    private static readonly string[] DefaultKeys = ["id_ed25519", "id_ecdsa", "id_rsa"];
    private readonly Func<ConnectionInfo> _connection;
    private readonly ConcurrentStack<Connection> _idle = new();
    private readonly SemaphoreSlim _sessions = new(SessionMax, SessionMax);
    private volatile bool _disposed;

    public SftpTransfer(TransferOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        var uri = new Uri(options.Url);
        var user = uri.UserInfo.Length == 0 ? Environment.UserName : Uri.UnescapeDataString(uri.UserInfo.Split(':', 2)[0]);
        var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
        var password = colon >= 0 ? Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]) : null;
        var keys = KeyFiles(options.SshKeyFile).Select(k => new PrivateKeyFile(k)).ToArray<IPrivateKeySource>();
        if (password is null && keys.Length == 0)
        {
            throw new TransferException(options.Url, "no password in the URL, no ssh_keyfile and no key in ~/.ssh", isTransient: false);
        }

        // Authentication methods keep the state of the session they authenticate: one set per connection.
        _connection = () =>
        {
            var methods = new List<AuthenticationMethod>();
            if (password is not null)
            {
                methods.Add(new PasswordAuthenticationMethod(user, password));
            }

            if (keys.Length > 0)
            {
                methods.Add(new PrivateKeyAuthenticationMethod(user, keys));
            }

            var connection = new ConnectionInfo(uri.Host, uri.IsDefaultPort || uri.Port <= 0 ? 22 : uri.Port, user, [.. methods]) { Timeout = options.Timeout };
            PreferAesGcm(connection);
            return connection;
        };
    }

    /// <summary>The most sessions open to the server at once (the flow's default concurrency).</summary>
    public const int SessionMax = 4;

    public TransferOptions Options { get; }

    /// <summary>The ciphers offered first, in this order: the ones SSH.NET runs fastest.</summary>
    internal static readonly string[] PreferredCiphers = ["aes128-gcm@openssh.com", "aes256-gcm@openssh.com"];

    /// <summary>
    /// Offers AES-GCM before SSH.NET's default first choice (aes128-ctr with hmac-sha2-256): SSH.NET runs GCM on the
    /// runtime's AES-NI implementation with no separate MAC, and downloads 256 MiB files from OpenSSH 1.5 times as fast
    /// with it, at OpenSSH's own client's speed (docs/performance.md). Every other cipher stays offered, after these,
    /// for servers without GCM.
    /// </summary>
    internal static void PreferAesGcm(ConnectionInfo connection)
    {
        var others = connection.Encryptions.Where(e => !PreferredCiphers.Contains(e.Key)).ToList();
        foreach (var (name, cipher) in others)
        {
            // The table keeps the order of insertion: moving the others to its end puts the preferred ones first.
            connection.Encryptions.Remove(name);
            connection.Encryptions.Add(name, cipher);
        }
    }

    /// <summary>Registers <c>sftp</c> in <paramref name="registry"/>.</summary>
    public static void Register(TransferRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.Register("sftp", o => new SftpTransfer(o));
    }

    public Task ConnectAsync(CancellationToken cancellationToken) => WithSessionAsync(_ => Task.FromResult(true), cancellationToken);

    public Task<IReadOnlyList<RemoteEntry>> ListAsync(string remoteDirectory, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<RemoteEntry>>($"list {remoteDirectory}", async session =>
        {
            var entries = await session.ListAsync(remoteDirectory, cancellationToken).ConfigureAwait(false);
            return entries.ConvertAll(e => new RemoteEntry(
                e.Name,
                e.Attributes.IsDirectory ? 0 : e.Attributes.Size ?? 0,
                e.Attributes.ModifiedUnixSeconds is { } seconds ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null,
                e.Attributes.IsDirectory,
                e.Attributes.IsSymbolicLink ? string.Empty : null));
        }, cancellationToken);

    public Task<long> GetAsync(string remotePath, Stream destination, long offset, long? length, CancellationToken cancellationToken) =>
        GetAsync(remotePath, destination, offset, length, null, cancellationToken);

    public Task<long> GetAsync(string remotePath, Stream destination, long offset, long? length, long? announcedSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return RunAsync($"get {remotePath}", async session =>
        {
            var handle = await session.OpenAsync(remotePath, SftpWire.OpenRead, cancellationToken).ConfigureAwait(false);
            return await session.UsingHandleAsync(handle, remotePath, () => session.DownloadAsync(handle, remotePath, offset, length, announcedSize, destination, Options.Url, cancellationToken), cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    public Task PutAsync(Stream source, string remotePath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        return RunAsync($"put {remotePath}", async session =>
        {
            var handle = await session.OpenAsync(remotePath, SftpWire.OpenWrite | SftpWire.OpenCreate | SftpWire.OpenTruncate, cancellationToken).ConfigureAwait(false);
            return await session.UsingHandleAsync(handle, remotePath, () => session.UploadAsync(handle, remotePath, source, cancellationToken), cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <remarks>
    /// A symbolic link is removed itself, not its target (the server unlinks the path as given). A directory is
    /// removed with <c>rmdir</c> (when it is empty), after <c>remove</c> refuses it.
    /// </remarks>
    public Task DeleteAsync(string remotePath, CancellationToken cancellationToken) =>
        RunAsync($"delete {remotePath}", async session =>
        {
            try
            {
                await session.PathRequestAsync(SftpWire.Remove, remotePath, null, cancellationToken).ConfigureAwait(false);
            }
            catch (SftpException e) when (e is not SftpPathNotFoundException && !session.IsBroken)
            {
                if (await session.StatAsync(remotePath, link: true, cancellationToken).ConfigureAwait(false) is not { IsDirectory: true })
                {
                    throw;
                }

                await session.PathRequestAsync(SftpWire.RmDir, remotePath, null, cancellationToken).ConfigureAwait(false);
            }

            return true;
        }, cancellationToken);

    public Task RenameAsync(string fromPath, string toPath, CancellationToken cancellationToken) =>
        RunAsync($"rename {fromPath}", async session =>
        {
            if (session.HasPosixRename)
            {
                // posix-rename@openssh.com replaces the target at once: a reader never finds it missing.
                await session.PosixRenameAsync(fromPath, toPath, cancellationToken).ConfigureAwait(false);
                return true;
            }

            // The protocol's own rename refuses an existing target.
            if (await session.StatAsync(toPath, link: true, cancellationToken).ConfigureAwait(false) is not null)
            {
                await session.PathRequestAsync(SftpWire.Remove, toPath, null, cancellationToken).ConfigureAwait(false);
            }

            await session.PathRequestAsync(SftpWire.Rename, fromPath, toPath, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public Task MkdirAsync(string remoteDirectory, CancellationToken cancellationToken) =>
        RunAsync($"mkdir {remoteDirectory}", async session =>
        {
            if (await session.StatAsync(remoteDirectory, link: false, cancellationToken).ConfigureAwait(false) is { IsDirectory: true })
            {
                return true;
            }

            var path = remoteDirectory.StartsWith('/') ? "/" : string.Empty;
            foreach (var part in remoteDirectory.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                path = path.Length == 0 || path.EndsWith('/') ? path + part : path + "/" + part;
                if (await session.StatAsync(path, link: false, cancellationToken).ConfigureAwait(false) is null)
                {
                    await session.PathRequestAsync(SftpWire.MkDir, path, null, cancellationToken).ConfigureAwait(false);
                }
            }

            return true;
        }, cancellationToken);

    /// <remarks>
    /// The target is stored as given: a relative target is relative to the link's directory. The arguments go in
    /// OpenSSH's order (target, then link), which every common server follows, not the draft's.
    /// </remarks>
    public Task SymlinkAsync(string target, string linkPath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(linkPath);
        return RunAsync($"symlink {linkPath}", async session =>
        {
            await session.PathRequestAsync(SftpWire.Symlink, target, linkPath, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        _disposed = true;
        while (_idle.TryPop(out var connection))
        {
            connection.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private static IEnumerable<string> KeyFiles(string? configured)
    {
        if (!string.IsNullOrEmpty(configured))
        {
            yield return configured;
            yield break;
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        foreach (var name in DefaultKeys)
        {
            var path = Path.Combine(home, ".ssh", name);
            if (File.Exists(path))
            {
                yield return path;
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="operation"/> on an idle session (or a new one, up to <see cref="SessionMax"/>), which
    /// goes back to the idle ones afterwards unless it is broken (a failed or cancelled transfer, a lost connection).
    /// A server's refusal (no such file, permission denied) leaves the session usable.
    /// </summary>
    private async Task<T> WithSessionAsync<T>(Func<SftpSession, Task<T>> operation, CancellationToken cancellationToken)
    {
        await _sessions.WaitAsync(cancellationToken).ConfigureAwait(false);
        Connection? connection = null;
        try
        {
            connection = await IdleOrNewAsync(cancellationToken).ConfigureAwait(false);
            return await operation(connection.Sftp).ConfigureAwait(false);
        }
        finally
        {
            if (connection is not null && connection.IsUsable && !_disposed)
            {
                _idle.Push(connection);
            }
            else
            {
                connection?.Dispose();
            }

            _sessions.Release();
        }
    }

    private async Task<Connection> IdleOrNewAsync(CancellationToken cancellationToken)
    {
        while (_idle.TryPop(out var idle))
        {
            if (idle.IsUsable)
            {
                return idle;
            }

            idle.Dispose();
        }

        var client = new SshClient(_connection());
        try
        {
            await OperationTimeout.RunAsync(Options, "connect", ct => client.ConnectAsync(ct), cancellationToken).ConfigureAwait(false);
            var sftp = await SftpSession.StartAsync(client, Options.Timeout, Options.BufSize, cancellationToken).ConfigureAwait(false);
            return new Connection(client, sftp);
        }
        catch (Exception e)
        {
            client.Dispose();
            throw e is TransferException ? e : Map("connect", e);
        }
    }

    private Task<T> RunAsync<T>(string what, Func<SftpSession, Task<T>> operation, CancellationToken cancellationToken) =>
        WithSessionAsync(async session =>
        {
            try
            {
                return await operation(session).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SshException or SocketException or IOException or ObjectDisposedException or InvalidOperationException)
            {
                throw Map(what, e);
            }
        }, cancellationToken);

    private TransferException Map(string what, Exception e)
    {
        var transient = e is not (SftpPathNotFoundException or SftpPermissionDeniedException or SshAuthenticationException);
        return new TransferException(Options.Url, $"{what}: {e.Message}", transient, e) { IsNotFound = e is SftpPathNotFoundException };
    }

    /// <summary>One SSH connection and the sftp session on it.</summary>
    private sealed class Connection(SshClient client, SftpSession sftp) : IDisposable
    {
        public SftpSession Sftp { get; } = sftp;

        public bool IsUsable => client.IsConnected && !Sftp.IsBroken;

        public void Dispose()
        {
            Sftp.Dispose();
            client.Dispose();
        }
    }
}
