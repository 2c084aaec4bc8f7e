using System.Net.Http.Json;
using System.Net.Sockets;

namespace Sluice.Daemon.Control;

/// <summary>Talks to a running daemon over its Unix socket (what <c>sluice status/stop</c> use).</summary>
public sealed class ControlClient : IDisposable
{
    private readonly HttpClient _http;

    public ControlClient(string socketPath, TimeSpan? timeout = null)
    {
        SocketPath = socketPath;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://sluice-daemon/"), Timeout = timeout ?? TimeSpan.FromSeconds(60) };
    }

    public string SocketPath { get; }

    /// <summary>True when a daemon answers on the socket.</summary>
    public async Task<bool> IsRunningAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(SocketPath))
        {
            return false;
        }

        try
        {
            using var response = await _http.GetAsync(new Uri("status", UriKind.Relative), cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    public async Task<DaemonInfo> StatusAsync(CancellationToken cancellationToken) =>
        (await _http.GetFromJsonAsync<DaemonInfo>(new Uri("status", UriKind.Relative), cancellationToken).ConfigureAwait(false))!;

    public Task<string> MetricsAsync(CancellationToken cancellationToken) =>
        _http.GetStringAsync(new Uri("metrics", UriKind.Relative), cancellationToken);

    /// <summary>Runs start, stop or restart on one flow; the error text when the daemon refuses.</summary>
    public async Task<string?> FlowActionAsync(string name, string action, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsync(new Uri($"flows/{name}/{action}", UriKind.Relative), null, cancellationToken).ConfigureAwait(false);
        return response.IsSuccessStatusCode ? null : await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the configurations again; flows whose configuration changed are restarted.</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsync(new Uri("reload", UriKind.Relative), null, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Asks the daemon to restart its hung flows; what it restarted.</summary>
    public async Task<IReadOnlyList<SanityRestart>> SanityAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsync(new Uri("sanity", UriKind.Relative), null, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<List<SanityRestart>>(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task ShutdownAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsync(new Uri("shutdown", UriKind.Relative), null, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    public void Dispose() => _http.Dispose();
}
