using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using Sluice.Core.Transfers;

namespace Sluice.Daemon.DataServer;

/// <summary>
/// The pump's HTTP data server (Kestrel): serves <see cref="DataServerOptions.Root"/> over http or
/// https with Apache-style directory indexes (which sr3's http poll parses), byte ranges, ETag and
/// Last-Modified, optional basic authentication, and refuses any path leading outside the root.
/// </summary>
public sealed class DataServer : IAsyncDisposable
{
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
        var builder = WebApplication.CreateSlimBuilder();
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
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }

        if (!Authorized(context.Request))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"sluice\", charset=\"UTF-8\"";
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
        if (!info.Exists || relative.EndsWith('/'))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var modified = new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero);
        var etag = new EntityTagHeaderValue($"\"{info.LastWriteTimeUtc.Ticks:x}-{info.Length:x}\"");
        await Results.File(path, "application/octet-stream", lastModified: modified, entityTag: etag, enableRangeProcessing: true)
            .ExecuteAsync(context).ConfigureAwait(false);
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

    private bool Authorized(HttpRequest request)
    {
        if (_options.Users.Count == 0 && _options.BearerTokens.Count == 0)
        {
            return true;
        }

        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var token = Encoding.UTF8.GetBytes(header[7..].Trim());
            return _options.BearerTokens.Any(t => CryptographicOperations.FixedTimeEquals(token, Encoding.UTF8.GetBytes(t)));
        }

        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
        }
        catch (FormatException)
        {
            return false;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || !_options.Users.TryGetValue(decoded[..colon], out var password))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(decoded[(colon + 1)..]), Encoding.UTF8.GetBytes(password));
    }

    private static async Task WriteIndexAsync(HttpContext context, string directory)
    {
        var urlPath = context.Request.PathBase + context.Request.Path;
        var title = WebUtility.HtmlEncode(urlPath.ToString());
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<html>\n<head>\n<title>Index of {title}</title>\n</head>\n<body>\n<h1>Index of {title}</h1>\n<pre>Name                    Last modified      Size\n<hr>");
        html.Append("<a href=\"../\">Parent Directory</a>                             -\n");
        var entries = new DirectoryInfo(directory).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal);
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
