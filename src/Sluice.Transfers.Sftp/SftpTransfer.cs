using System.Net.Sockets;
using Renci.SshNet;
using Renci.SshNet.Common;
using Sluice.Core.Transfers;

namespace Sluice.Transfers.Sftp;

/// <summary>
/// sftp on SSH.NET. Authenticates with the password from the URL, the key in
/// <see cref="TransferOptions.SshKeyFile"/>, or the usual keys in <c>~/.ssh</c>. The connection is
/// kept and reused; it is re-opened when the server went away. Relative paths are relative to the
/// login directory (as sr3 and the sftp command treat them).
/// </summary>
public sealed class SftpTransfer : ITransfer
{
    private static readonly string[] DefaultKeys = ["id_ed25519", "id_ecdsa", "id_rsa"];
    private readonly ConnectionInfo _connection;
    private SftpClient? _client;

    public SftpTransfer(TransferOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        var uri = new Uri(options.Url);
        var user = uri.UserInfo.Length == 0 ? Environment.UserName : Uri.UnescapeDataString(uri.UserInfo.Split(':', 2)[0]);
        var methods = new List<AuthenticationMethod>();
        var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            methods.Add(new PasswordAuthenticationMethod(user, Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..])));
        }

        var keys = KeyFiles(options.SshKeyFile).Select(k => new PrivateKeyFile(k)).ToArray<IPrivateKeySource>();
        if (keys.Length > 0)
        {
            methods.Add(new PrivateKeyAuthenticationMethod(user, keys));
        }

        if (methods.Count == 0)
        {
            throw new TransferException(options.Url, "no password in the URL, no ssh_keyfile and no key in ~/.ssh", isTransient: false);
        }

        _connection = new ConnectionInfo(uri.Host, uri.IsDefaultPort || uri.Port <= 0 ? 22 : uri.Port, user, [.. methods]) { Timeout = options.Timeout };
    }

    public TransferOptions Options { get; }

    /// <summary>Registers <c>sftp</c> in <paramref name="registry"/>.</summary>
    public static void Register(TransferRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.Register("sftp", o => new SftpTransfer(o));
    }

    public async Task ConnectAsync(CancellationToken cancellationToken) => await ClientAsync(cancellationToken).ConfigureAwait(false);

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

    public async Task<long> GetAsync(string remotePath, Stream destination, long offset, long? length, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var stream = await RunAsync($"open {remotePath}", (client, ct) => client.OpenAsync(remotePath, FileMode.Open, FileAccess.Read, ct), cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            return await Guard($"get {remotePath}", async () =>
            {
                if (offset > 0)
                {
                    stream.Seek(offset, SeekOrigin.Begin);
                }

                return await OperationTimeout.CopyAsync(Options, stream, destination, length, cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }
    }

    public async Task PutAsync(Stream source, string remotePath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var stream = await RunAsync($"create {remotePath}", (client, ct) => client.OpenAsync(remotePath, FileMode.Create, FileAccess.Write, ct), cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            await Guard($"put {remotePath}", () => OperationTimeout.CopyAsync(Options, source, stream, null, cancellationToken)).ConfigureAwait(false);
        }
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
        _client?.Dispose();
        _client = null;
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

    private async Task<SftpClient> ClientAsync(CancellationToken cancellationToken)
    {
        if (_client is { IsConnected: true } connected)
        {
            return connected;
        }

        _client?.Dispose();
        var client = new SftpClient(_connection) { OperationTimeout = Options.Timeout, BufferSize = (uint)Math.Clamp(Options.BufSize, 4096, 256 * 1024) };
        try
        {
            await OperationTimeout.RunAsync(Options, "connect", ct => client.ConnectAsync(ct), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not TransferException)
        {
            client.Dispose();
            throw Map("connect", e);
        }

        _client = client;
        return client;
    }

    private async Task<T> RunAsync<T>(string what, Func<SftpClient, CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        var client = await ClientAsync(cancellationToken).ConfigureAwait(false);
        return await Guard(what, () => OperationTimeout.RunAsync(Options, what, ct => operation(client, ct), cancellationToken)).ConfigureAwait(false);
    }

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
        if (transient)
        {
            _client?.Dispose();
            _client = null;
        }

        return new TransferException(Options.Url, $"{what}: {e.Message}", transient, e) { IsNotFound = e is SftpPathNotFoundException };
    }
}
