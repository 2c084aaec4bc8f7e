using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.FileProviders.Physical;
using Microsoft.Extensions.Logging;

namespace Sluice.Daemon.DataServer;

/// <summary>
/// Serves a pump's data tree over http(s) on Kestrel: files with byte ranges, ETag and Last-Modified; directory
/// listings as <c>&lt;a href&gt;</c> index pages (which sr3's http poll reads); optional basic authentication for
/// private trees. Paths cannot leave the tree, and dot files (inflight names) are neither listed nor served.
/// </summary>
public sealed class PumpDataServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private PumpDataServer(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>The URL the tree is served at (with the port actually bound), ending in '/'.</summary>
    public Uri BaseUrl { get; }

    public static async Task<PumpDataServer> StartAsync(DataServerOptions options, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(options.Root);
        Directory.CreateDirectory(root);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(options.Address, options.Port, listen =>
        {
            if (options.Certificate is not null)
            {
                listen.UseHttps(options.Certificate);
            }
        }));
        var app = builder.Build();
        if (options.Users.Count > 0)
        {
            app.Use(async (context, next) =>
            {
                if (!Authorized(context.Request, options.Users))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.Response.Headers.WWWAuthenticate = "Basic realm=\"sluice\"";
                    return;
                }

                await next(context).ConfigureAwait(false);
            });
        }

        var files = new PhysicalFileProvider(root, ExclusionFilters.Sensitive);
        app.UseFileServer(new FileServerOptions
        {
            FileProvider = files,
            EnableDirectoryBrowsing = true,
            EnableDefaultFiles = false,
            StaticFileOptions =
            {
                ServeUnknownFileTypes = true,
                DefaultContentType = "application/octet-stream",
            },
        });
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var bound = new Uri(address);
        var scheme = options.Certificate is null ? "http" : "https";
        var host = options.Address.Equals(IPAddress.IPv6Loopback) ? "[::1]" : options.Address.ToString();
        return new PumpDataServer(app, new Uri($"{scheme}://{host}:{bound.Port}/"));
    }

    private static bool Authorized(HttpRequest request, IReadOnlyDictionary<string, string> users)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        try
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            var colon = pair.IndexOf(':', StringComparison.Ordinal);
            return colon > 0 && users.TryGetValue(pair[..colon], out var password) &&
                System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(password), Encoding.UTF8.GetBytes(pair[(colon + 1)..]));
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
