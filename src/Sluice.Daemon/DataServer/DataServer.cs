using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using Sluice.Core.Transfers;

namespace Sluice.Daemon.DataServer;

/// <summary>
/// The pump's HTTP data server (Kestrel): serves <see cref="DataServerOptions.Root"/> over http or
/// https with Apache-style directory indexes (which sr3's http poll parses), byte ranges, ETag and
/// Last-Modified, optional basic authentication, and refuses any path leading outside the root.
/// Its <see cref="DataServerOptions.Writers"/> may also write, as WebDAV does: PUT (into a temporary name,
/// renamed into place once complete), DELETE, MOVE (with <c>Destination</c>) and MKCOL.
/// </summary>
public sealed class DataServer : IAsyncDisposable
{
    private const string MoveMethod = "MOVE";
    private const string MakeCollectionMethod = "MKCOL";
    private const int UploadBuffer = 1 << 20;
    private readonly DataServerOptions _options;
    private readonly string _root;
    private WebApplication? _app;

    public DataServer(DataServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _root = Path.GetFullPath(options.Root).TrimEnd('/');
        if (_root.Length == 0)
        {
            _root = "/";
        }
    }

    /// <summary>The port actually bound (useful when <see cref="DataServerOptions.Port"/> is 0).</summary>
    public int Port { get; private set; }

    /// <summary>The base URL clients use: <c>http://127.0.0.1:port/</c>.</summary>
    public string BaseUrl => $"{(_options.Certificate is null ? "http" : "https")}://{FormatHost(_options.BindAddress)}:{Port}/";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(KestrelHosting.Options);
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(_options.BindAddress, _options.Port, listen =>
            {
                if (_options.Certificate is { } certificate)
                {
                    listen.UseHttps(certificate);
                }
            });
        });
        var app = builder.Build();
        app.Run(HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        Port = new Uri(addresses.First()).Port;
        _app = app;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync(cancellationToken).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    private static string FormatHost(IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();

    private async Task HandleAsync(HttpContext context)
    {
        var method = context.Request.Method;
        var reading = HttpMethods.IsGet(method) || HttpMethods.IsHead(method);
        if (!reading && !IsWrite(method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }

        var user = Authenticate(context.Request, out var authenticated);
        if (!authenticated && (!reading || !_options.AnonymousRead || user is not null))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"sluice\", charset=\"UTF-8\"";
            return;
        }

        if (!reading)
        {
            await WriteAsync(context, user).ConfigureAwait(false);
            return;
        }

        var relative = (context.Request.Path.Value ?? "/").TrimStart('/');
        string path;
        try
        {
            path = relative.TrimEnd('/').Length == 0 ? _root : PathSafety.Resolve(_root, relative.TrimEnd('/'));
            CheckFinalLink(path, relative);
        }
        catch (UnsafePathException e)
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsync(e.Message + "\n", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (Directory.Exists(path))
        {
            if (!(context.Request.Path.Value ?? "/").EndsWith('/'))
            {
                context.Response.Redirect(context.Request.PathBase + context.Request.Path + "/");
                return;
            }

            await WriteIndexAsync(context, path).ConfigureAwait(false);
            return;
        }

        var info = new FileInfo(path);
        if (!info.Exists || relative.EndsWith('/') || IsInflight(info.Name))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var modified = new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero);
        var etag = new EntityTagHeaderValue($"\"{info.LastWriteTimeUtc.Ticks:x}-{info.Length:x}\"");
        await Results.File(path, "application/octet-stream", lastModified: modified, entityTag: etag, enableRangeProcessing: true)
            .ExecuteAsync(context).ConfigureAwait(false);
    }

    private static bool IsWrite(string method) =>
        HttpMethods.IsPut(method) || HttpMethods.IsDelete(method) || method == MoveMethod || method == MakeCollectionMethod;

    private static async Task RefuseAsync(HttpContext context, int status, string reason)
    {
        var body = Encoding.UTF8.GetBytes(reason + "\n");
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    private async Task WriteAsync(HttpContext context, string? user)
    {
        var method = context.Request.Method;
        if (user is null || !_options.Writers.Contains(user))
        {
            var who = string.IsNullOrEmpty(user) ? "these credentials" : $"user {user}";
            await RefuseAsync(context, StatusCodes.Status403Forbidden, _options.Writers.Count == 0 ? "this server is read-only" : $"{method}: {who} may only read").ConfigureAwait(false);
            return;
        }

        var relative = (context.Request.Path.Value ?? "/").Trim('/');
        string path;
        string? destination = null;
        try
        {
            path = WritablePath(relative);
            if (method == MoveMethod)
            {
                var header = context.Request.Headers["Destination"].ToString();
                if (!Uri.TryCreate(header, UriKind.Absolute, out var uri) && !Uri.TryCreate(new Uri("http://localhost/"), header, out uri))
                {
                    await RefuseAsync(context, StatusCodes.Status400BadRequest, $"MOVE {relative}: the Destination header '{header}' is not a URL").ConfigureAwait(false);
                    return;
                }

                destination = WritablePath(Uri.UnescapeDataString(uri.AbsolutePath).Trim('/'));
            }
        }
        catch (UnsafePathException e)
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, $"{method}: {e.Message}").ConfigureAwait(false);
            return;
        }

        try
        {
            var (status, reason) = method switch
            {
                _ when HttpMethods.IsPut(method) => await PutAsync(context, path).ConfigureAwait(false),
                _ when HttpMethods.IsDelete(method) => Delete(path),
                MoveMethod => Move(path, destination!, context.Request.Headers["Overwrite"].ToString() != "F"),
                _ => MakeCollection(path),
            };
            if (reason is not null)
            {
                await RefuseAsync(context, status, $"{method} {relative}: {reason}").ConfigureAwait(false);
            }
            else
            {
                context.Response.StatusCode = status;
            }
        }
        catch (UnauthorizedAccessException e)
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, $"{method} {relative}: {e.Message}").ConfigureAwait(false);
        }
        catch (IOException e) when (!context.RequestAborted.IsCancellationRequested)
        {
            await RefuseAsync(context, StatusCodes.Status409Conflict, $"{method} {relative}: {e.Message}").ConfigureAwait(false);
        }
    }

    /// <summary>A path to write: under the root (PathSafety), and not through a final link leading outside.</summary>
    private string WritablePath(string relative)
    {
        var path = PathSafety.Resolve(_root, relative);
        CheckFinalLink(path, relative);
        return path;
    }

    /// <summary>Writes the body to a temporary name beside the file and renames it into place once it is all there.</summary>
    private static async Task<(int Status, string? Reason)> PutAsync(HttpContext context, string path)
    {
        if (Directory.Exists(path) && new FileInfo(path).LinkTarget is null)
        {
            return (StatusCodes.Status409Conflict, "is a directory");
        }

        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var existed = File.Exists(path);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}{UploadSuffix}");
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }

        var complete = false;
        try
        {
            var file = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, BufferSize = 0, Options = FileOptions.Asynchronous });
            await using (file.ConfigureAwait(false))
            {
                try
                {
                    await context.Request.Body.CopyToAsync(file, UploadBuffer, context.RequestAborted).ConfigureAwait(false);
                }
                catch (BadHttpRequestException e)
                {
                    return (e.StatusCode, $"upload incomplete: {e.Message}");
                }
                catch (Exception e) when (e is IOException or OperationCanceledException && context.RequestAborted.IsCancellationRequested)
                {
                    return (StatusCodes.Status400BadRequest, "upload incomplete: the client went away");
                }
            }

            File.Move(temporary, path, overwrite: true);
            complete = true;
            return (existed ? StatusCodes.Status204NoContent : StatusCodes.Status201Created, null);
        }
        finally
        {
            if (!complete)
            {
                File.Delete(temporary);
            }
        }
    }

    private static (int Status, string? Reason) Delete(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is null && Directory.Exists(path))
        {
            if (Directory.EnumerateFileSystemEntries(path).Any())
            {
                return (StatusCodes.Status409Conflict, "directory not empty");
            }

            Directory.Delete(path);
        }
        else if (info.Exists || info.LinkTarget is not null)
        {
            File.Delete(path);
        }
        else
        {
            return (StatusCodes.Status404NotFound, "no such file or directory");
        }

        return (StatusCodes.Status204NoContent, null);
    }

    private static (int Status, string? Reason) Move(string from, string to, bool overwrite)
    {
        var source = new FileInfo(from);
        var isDirectory = source.LinkTarget is null && Directory.Exists(from);
        if (!isDirectory && !source.Exists && source.LinkTarget is null)
        {
            return (StatusCodes.Status404NotFound, "no such file or directory");
        }

        var existed = File.Exists(to) || Directory.Exists(to);
        if (existed && !overwrite)
        {
            return (StatusCodes.Status412PreconditionFailed, "the destination exists and Overwrite is F");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        if (isDirectory)
        {
            Directory.Move(from, to);
        }
        else
        {
            File.Move(from, to, overwrite: true);
        }

        return (existed ? StatusCodes.Status204NoContent : StatusCodes.Status201Created, null);
    }

    private static (int Status, string? Reason) MakeCollection(string path)
    {
        if (Directory.Exists(path) || File.Exists(path))
        {
            // WebDAV's answer for a collection that exists already.
            return (StatusCodes.Status405MethodNotAllowed, "exists already");
        }

        Directory.CreateDirectory(path);
        return (StatusCodes.Status201Created, null);
    }

    private void CheckFinalLink(string path, string relative)
    {
        FileSystemInfo info = Directory.Exists(path) ? new DirectoryInfo(path) : new FileInfo(path);
        if (info.LinkTarget is null)
        {
            return;
        }

        var target = info.ResolveLinkTarget(returnFinalTarget: true);
        var full = target is null ? path : Path.GetFullPath(target.FullName);
        if (full != _root && !full.StartsWith(_root + "/", StringComparison.Ordinal))
        {
            throw new UnsafePathException(relative, "symbolic link leading outside the served directory");
        }
    }

    /// <summary>
    /// Who the request comes from: the user of valid basic credentials, "" for a valid bearer token, null when there
    /// are no credentials. <paramref name="authenticated"/> says whether the credentials are good (or none are needed).
    /// </summary>
    private string? Authenticate(HttpRequest request, out bool authenticated)
    {
        var header = request.Headers.Authorization.ToString();
        authenticated = _options.Users.Count == 0 && _options.BearerTokens.Count == 0;
        if (authenticated || header.Length == 0)
        {
            return null;
        }

        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var token = Encoding.UTF8.GetBytes(header[7..].Trim());
            authenticated = _options.BearerTokens.Any(t => CryptographicOperations.FixedTimeEquals(token, Encoding.UTF8.GetBytes(t)));
            return string.Empty;
        }

        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return string.Empty;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
        }
        catch (FormatException)
        {
            return string.Empty;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || !_options.Users.TryGetValue(decoded[..colon], out var password))
        {
            return string.Empty;
        }

        authenticated = CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(decoded[(colon + 1)..]), Encoding.UTF8.GetBytes(password));
        return decoded[..colon];
    }

    /// <summary>The end of an upload's temporary name: <c>.NAME.GUID.part</c> (a dot file, then the GUID in 32 hex digits).</summary>
    private const string UploadSuffix = ".part";

    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");

    /// <summary>Whether <paramref name="name"/> is an upload in progress (<see cref="PutAsync"/>'s temporary name), which no index shows.</summary>
    internal static bool IsUploadInProgress(string name) =>
        name.Length > 1 + 1 + 32 + UploadSuffix.Length && name[0] == '.' && name.EndsWith(UploadSuffix, StringComparison.Ordinal) &&
        name[^(UploadSuffix.Length + 33)] == '.' && name.AsSpan(name.Length - UploadSuffix.Length - 32, 32).ContainsAnyExcept(LowerHex) is false;

    /// <summary>
    /// Whether <paramref name="name"/> is a file still being written: an upload in progress, or a flow's inflight name
    /// (<c>.tmp</c>, sr3's usual suffix, which a sarra writing into the served tree uses). Neither listed nor served:
    /// a reader sees a file only once it is complete, under its final name. Writers may still PUT and MOVE such names.
    /// </summary>
    internal static bool IsInflight(string name) =>
        IsUploadInProgress(name) || (name.Length > InflightSuffix.Length && name.EndsWith(InflightSuffix, StringComparison.Ordinal));

    /// <summary>The inflight suffix of flows (sr3's <c>inflight .tmp</c>, the default of downloads and sends).</summary>
    private const string InflightSuffix = ".tmp";

    private static async Task WriteIndexAsync(HttpContext context, string directory)
    {
        var urlPath = context.Request.PathBase + context.Request.Path;
        var title = WebUtility.HtmlEncode(urlPath.ToString());
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<html>\n<head>\n<title>Index of {title}</title>\n</head>\n<body>\n<h1>Index of {title}</h1>\n<pre>Name                    Last modified      Size\n<hr>");
        html.Append("<a href=\"../\">Parent Directory</a>                             -\n");
        // A file being written is not there yet: a poll of this index must not announce its temporary name.
        var entries = new DirectoryInfo(directory).EnumerateFileSystemInfos().Where(e => e is DirectoryInfo || !IsInflight(e.Name)).OrderBy(e => e.Name, StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var isDir = entry is DirectoryInfo;
            var name = entry.Name + (isDir ? "/" : string.Empty);
            var href = Uri.EscapeDataString(entry.Name) + (isDir ? "/" : string.Empty);
            var size = entry is FileInfo f && f.Exists ? f.Length.ToString(CultureInfo.InvariantCulture) : "-";
            var modified = entry.LastWriteTimeUtc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
            html.Append(CultureInfo.InvariantCulture, $"<a href=\"{WebUtility.HtmlEncode(href)}\">{WebUtility.HtmlEncode(name)}</a> {modified}  {size}\n");
        }

        html.Append("<hr></pre>\n</body></html>\n");
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync(html.ToString(), context.RequestAborted).ConfigureAwait(false);
    }
}
