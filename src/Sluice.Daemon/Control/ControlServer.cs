using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sluice.Daemon.Supervision;

namespace Sluice.Daemon.Control;

/// <summary>
/// The daemon's control API, on a Unix socket (only the user can reach it) and optionally on a loopback
/// HTTP port: <c>GET /status</c>, <c>GET /metrics</c> (Prometheus text), <c>POST /flows/{component}/{config}/start|stop|restart</c>,
/// <c>POST /sanity</c> (restart hung flows), <c>POST /shutdown</c>.
/// </summary>
internal sealed class ControlServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ControlServer(WebApplication app)
    {
        _app = app;
    }

    /// <summary>The loopback HTTP address actually bound, when one was asked for.</summary>
    public Uri? HttpAddress { get; private set; }

    public static async Task<ControlServer> StartAsync(FlowSupervisor supervisor, string socketPath, IPEndPoint? http, Func<DaemonInfo> info, Action shutdown, CancellationToken cancellationToken, Func<Task>? reload = null)
    {
        if (File.Exists(socketPath))
        {
            File.Delete(socketPath); // left by a daemon that was killed; the daemon's lock, taken before this, says none runs
        }

        Directory.CreateDirectory(Path.GetDirectoryName(socketPath)!);
        var builder = WebApplication.CreateSlimBuilder(KestrelHosting.Options);
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ListenUnixSocket(socketPath);
            if (http is not null)
            {
                kestrel.Listen(http);
            }
        });
        var app = builder.Build();

        app.MapGet("/status", () => Results.Json(info()));
        app.MapGet("/metrics", () => Results.Text(PrometheusText.Render(supervisor.Status()), "text/plain; version=0.0.4"));
        app.MapPost("/flows/{component}/{config}/{action}", async (string component, string config, string action) =>
        {
            var name = component + "/" + config;
            var known = supervisor.Names.Contains(name);
            if (!known)
            {
                return Results.NotFound(new { error = $"no flow {name}" });
            }

            switch (action)
            {
                case "stop":
                    await supervisor.StopAsync(name).ConfigureAwait(false);
                    break;
                case "start":
                    supervisor.Start(name);
                    break;
                case "restart":
                    await supervisor.StopAsync(name).ConfigureAwait(false);
                    supervisor.Start(name);
                    break;
                default:
                    return Results.BadRequest(new { error = $"unknown action {action} (start, stop, restart)" });
            }

            return Results.Json(supervisor.Status().First(s => s.Name == name));
        });
        app.MapPost("/reload", async () =>
        {
            if (reload is not null)
            {
                await reload().ConfigureAwait(false);
            }

            return Results.Json(supervisor.Status());
        });
        app.MapPost("/sanity", async () =>
        {
            var restarted = await supervisor.SanityAsync().ConfigureAwait(false);
            return Results.Json(restarted.Select(r => new SanityRestart(r.Flow, r.Reason)).ToList());
        });
        app.MapPost("/shutdown", () =>
        {
            shutdown();
            return Results.Accepted();
        });

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var server = new ControlServer(app);
        if (http is not null)
        {
            var addresses = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
                .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses;
            var tcp = addresses?.FirstOrDefault(a => a.StartsWith("http://", StringComparison.Ordinal) && !a.Contains("unix:", StringComparison.Ordinal));
            server.HttpAddress = tcp is null ? null : new Uri(tcp);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(socketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
