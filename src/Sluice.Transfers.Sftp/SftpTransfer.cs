using System.Collections.Concurrent;
using System.Net.Sockets;
using Renci.SshNet;
using Renci.SshNet.Common;
using Sluice.Core.Transfers;

namespace Sluice.Transfers.Sftp;

/// <summary>
/// sftp on SSH.NET. Authenticates with the password from the URL, the key in
/// <see cref="TransferOptions.SshKeyFile"/>, or the usual keys in <c>~/.ssh</c>. Connections are
/// kept and reused; one that fails is dropped and a new one opened. Concurrent operations (a flow's
/// concurrent work) each get a session of their own, up to <see cref="SessionMax"/>: the server runs
/// one sftp process per session and serves its requests one after the other. Relative paths are
/// relative to the login directory (as sr3 and the sftp command treat them).
/// </summary>
public sealed class SftpTransfer : ITransfer
{
    private static readonly string[] DefaultKeys = ["id_ed25519", "id_ecdsa", "id_rsa"];
    private readonly Func<ConnectionInfo> _connection;
    private readonly ConcurrentStack<SftpClient> _idle = new();
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

    public Task ConnectAsync(CancellationToken cancellationToken) => WithClientAsync(_ => Task.FromResult(true), cancellationToken);

    public Task<IReadOnlyList<RemoteEntry>> ListAsync(string remoteDirectory, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<RemoteEntry>>($"list {remoteDirectory}", async (client, ct) =>
        {
            var list = new List<RemoteEntry>();
            await foreach (var file in client.ListDirectoryAsync(remoteDirectory, ct).ConfigureAwait(false))
            {
                if (file.Name is "." or "..")
                {
                    continue;
                }

                list.Add(new RemoteEntry(file.Name, file.IsDirectory ? 0 : file.Length, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero), file.IsDirectory, file.IsSymbolicLink ? string.Empty : null));
            }

            return list;
        }, cancellationToken);

    public Task<long> GetAsync(string remotePath, Stream destination, long offset, long? length, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return WithClientAsync(async client =>
        {
            var what = $"open {remotePath}";
            var stream = await Guard(what, () => OperationTimeout.RunAsync(Options, what, ct => client.OpenAsync(remotePath, FileMode.Open, FileAccess.Read, ct), cancellationToken)).ConfigureAwait(false);
            return await CloseAfterAsync(remotePath, stream, () => Guard($"get {remotePath}", async () =>
            {
                if (offset > 0)
                {
                    stream.Seek(offset, SeekOrigin.Begin);
                }

                return await OperationTimeout.CopyAsync(Options, stream, destination, length, cancellationToken).ConfigureAwait(false);
            })).ConfigureAwait(false);
        }, cancellationToken);
    }

    public Task PutAsync(Stream source, string remotePath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        return WithClientAsync(async client =>
        {
            var what = $"create {remotePath}";
            var stream = await Guard(what, () => OperationTimeout.RunAsync(Options, what, ct => client.OpenAsync(remotePath, FileMode.Create, FileAccess.Write, ct), cancellationToken)).ConfigureAwait(false);
            return await CloseAfterAsync(remotePath, stream, () => Guard($"put {remotePath}", () => OperationTimeout.CopyAsync(Options, source, stream, null, cancellationToken))).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <remarks>
    /// SSH.NET canonicalises the path first, which follows a symbolic link: deleting a link would delete what it
    /// points to. A link is therefore refused (looked up in its directory's listing, which does not follow links).
    /// </remarks>
    public Task DeleteAsync(string remotePath, CancellationToken cancellationToken) =>
        RunAsync($"delete {remotePath}", async (client, ct) =>
        {
            var slash = remotePath.TrimEnd('/').LastIndexOf('/');
            var directory = slash < 0 ? "." : slash == 0 ? "/" : remotePath[..slash];
            var name = remotePath.TrimEnd('/')[(slash + 1)..];
            await foreach (var entry in client.ListDirectoryAsync(directory, ct).ConfigureAwait(false))
            {
                if (entry.Name == name && entry.IsSymbolicLink)
                {
                    throw new TransferException(Options.Url, $"delete {remotePath}: a symbolic link cannot be removed over sftp here (the client would remove its target instead)", isTransient: false);
                }
            }

            await client.DeleteAsync(remotePath, ct).ConfigureAwait(false);
        }, cancellationToken);

    public Task RenameAsync(string fromPath, string toPath, CancellationToken cancellationToken) =>
        RunAsync($"rename {fromPath}", async (client, ct) =>
        {
            try
            {
                // posix-rename@openssh.com replaces the target at once: a reader never finds it missing.
                client.RenameFile(fromPath, toPath, isPosix: true);
                return;
            }
            catch (NotSupportedException)
            {
            }

            if (await client.ExistsAsync(toPath, ct).ConfigureAwait(false))
            {
                await client.DeleteFileAsync(toPath, ct).ConfigureAwait(false);
            }

            await client.RenameFileAsync(fromPath, toPath, ct).ConfigureAwait(false);
        }, cancellationToken);

    public Task MkdirAsync(string remoteDirectory, CancellationToken cancellationToken) =>
        RunAsync($"mkdir {remoteDirectory}", async (client, ct) =>
        {
            var path = remoteDirectory.StartsWith('/') ? "/" : string.Empty;
            foreach (var part in remoteDirectory.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                path = path.Length == 0 || path.EndsWith('/') ? path + part : path + "/" + part;
                if (!await client.ExistsAsync(path, ct).ConfigureAwait(false))
                {
                    await client.CreateDirectoryAsync(path, ct).ConfigureAwait(false);
                }
            }
        }, cancellationToken);

    /// <remarks>
    /// SSH.NET canonicalises the target against the login directory, so a relative target is first
    /// made relative to the link's own directory (what a relative symlink means); the link then
    /// holds the equivalent absolute path.
    /// </remarks>
    public Task SymlinkAsync(string target, string linkPath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(linkPath);
        var slash = linkPath.LastIndexOf('/');
        var effective = target.StartsWith('/') || slash < 0 ? target : linkPath[..(slash + 1)] + target;
        return RunAsync($"symlink {linkPath}", (client, _) =>
        {
            client.SymbolicLink(effective, linkPath);
            return Task.CompletedTask;
        }, cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        _disposed = true;
        while (_idle.TryPop(out var client))
        {
            client.Dispose();
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
    /// goes back to the idle ones afterwards, unless the operation failed in a way that may have broken it.
    /// </summary>
    private async Task<T> WithClientAsync<T>(Func<SftpClient, Task<T>> operation, CancellationToken cancellationToken)
    {
        await _sessions.WaitAsync(cancellationToken).ConfigureAwait(false);
        SftpClient? client = null;
        var reusable = false;
        try
        {
            client = await IdleOrNewAsync(cancellationToken).ConfigureAwait(false);
            var result = await operation(client).ConfigureAwait(false);
            reusable = true;
            return result;
        }
        catch (TransferException e) when (!e.IsTransient)
        {
            reusable = true; // the server answered (no such file, permission denied): the session is fine
            throw;
        }
        finally
        {
            if (client is not null && reusable && !_disposed && client.IsConnected)
            {
                _idle.Push(client);
            }
            else
            {
                client?.Dispose();
            }

            _sessions.Release();
        }
    }

    /// <summary>Runs <paramref name="body"/> on an open remote file, then closes it; a close that fails after a failure does not hide it.</summary>
    private async Task<T> CloseAfterAsync<T>(string remotePath, Stream stream, Func<Task<T>> body)
    {
        T result;
        try
        {
            result = await body().ConfigureAwait(false);
        }
        catch
        {
            try
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is SshException or SocketException or IOException or ObjectDisposedException)
            {
                // The session is already broken: the failure being thrown says why.
            }

            throw;
        }

        return await Guard($"close {remotePath}", async () =>
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            return result;
        }).ConfigureAwait(false);
    }

    private async Task<SftpClient> IdleOrNewAsync(CancellationToken cancellationToken)
    {
        while (_idle.TryPop(out var idle))
        {
            if (idle.IsConnected)
            {
                return idle;
            }

            idle.Dispose();
        }

        var client = new SftpClient(_connection()) { OperationTimeout = Options.Timeout, BufferSize = (uint)Math.Clamp(Options.BufSize, 4096, 256 * 1024) };
        try
        {
            await OperationTimeout.RunAsync(Options, "connect", ct => client.ConnectAsync(ct), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not TransferException)
        {
            client.Dispose();
            throw Map("connect", e);
        }

        return client;
    }

    private Task<T> RunAsync<T>(string what, Func<SftpClient, CancellationToken, Task<T>> operation, CancellationToken cancellationToken) =>
        WithClientAsync(client => Guard(what, () => OperationTimeout.RunAsync(Options, what, ct => operation(client, ct), cancellationToken)), cancellationToken);

    private Task<bool> RunAsync(string what, Func<SftpClient, CancellationToken, Task> operation, CancellationToken cancellationToken) =>
        RunAsync<bool>(what, async (client, ct) =>
        {
            await operation(client, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    private async Task<T> Guard<T>(string what, Func<Task<T>> operation)
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or SocketException or IOException or ObjectDisposedException)
        {
            throw Map(what, e);
        }
    }

    private TransferException Map(string what, Exception e)
    {
        var transient = e is not (SftpPathNotFoundException or SftpPermissionDeniedException or SshAuthenticationException);
        return new TransferException(Options.Url, $"{what}: {e.Message}", transient, e) { IsNotFound = e is SftpPathNotFoundException };
    }
}
