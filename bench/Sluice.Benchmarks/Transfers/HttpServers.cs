using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Sluice.Daemon.DataServer;

namespace Sluice.Benchmarks.Transfers;

/// <summary>
/// The http servers the benchmarks download from, each in a process of its own so that the client measured does
/// not share its process (threads, GC) with the server: nginx (neutral, sendfile) and the pump's data server
/// (this program run as <c>serve-http DIR</c>).
/// </summary>
internal sealed class HttpServers : IAsyncDisposable
{
    private readonly List<Process> _processes = [];

    /// <summary>(name, base URL) of each server started.</summary>
    public List<(string Name, string BaseUrl)> Servers { get; } = [];

    public static async Task<HttpServers> StartAsync(string root, string data, bool nginx = true, bool dataServer = true)
    {
        var servers = new HttpServers();
        if (nginx && File.Exists("/usr/sbin/nginx"))
        {
            servers.Servers.Add(("nginx", await servers.StartNginxAsync(root, data)));
        }
        else if (nginx)
        {
            Console.Error.WriteLine("nginx is not installed (scripts/install-servers installs it): measuring with the data server only");
        }

        if (dataServer)
        {
            servers.Servers.Add(("sluice data server", servers.StartDataServer(data)));
        }

        return servers;
    }

    /// <summary>`serve-http DIR`: the pump's data server for DIR on a free loopback port; prints its URL, runs until stdin closes.</summary>
    public static async Task<int> ServeAsync(string[] args)
    {
        await using var server = new DataServer(new DataServerOptions { Root = args[0], Port = 0 });
        await server.StartAsync(CancellationToken.None);
        Console.WriteLine(server.BaseUrl);
        await Console.In.ReadToEndAsync();
        return 0;
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public static async Task WaitForPortAsync(int port)
    {
        for (var i = 0; i < 200; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new InvalidOperationException($"nothing listens on 127.0.0.1:{port}");
    }

    /// <summary>A process running this benchmark program with <paramref name="args"/>.</summary>
    public static ProcessStartInfo Self(params string[] args)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath!);
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            info.ArgumentList.Add(typeof(HttpServers).Assembly.Location);
        }

        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        return info;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _processes)
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
                await p.WaitForExitAsync();
            }

            p.Dispose();
        }
    }

    private string StartDataServer(string data)
    {
        var info = Self("serve-http", data);
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        var process = Process.Start(info)!;
        _processes.Add(process);
        return process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the data server process did not start");
    }

    private async Task<string> StartNginxAsync(string root, string data)
    {
        var dir = Path.Combine(root, "nginx");
        Directory.CreateDirectory(dir);
        var port = FreePort();
        var conf = Path.Combine(dir, "nginx.conf");
        await File.WriteAllTextAsync(conf, $$"""
            daemon off;
            master_process off;
            worker_processes 1;
            user root;
            pid {{dir}}/nginx.pid;
            error_log {{dir}}/error.log;
            events { worker_connections 1024; }
            http {
              access_log off;
              sendfile on;
              tcp_nopush on;
              keepalive_requests 1000000;
              default_type application/octet-stream;
              client_body_temp_path {{dir}}/body;
              proxy_temp_path {{dir}}/proxy;
              fastcgi_temp_path {{dir}}/fastcgi;
              uwsgi_temp_path {{dir}}/uwsgi;
              scgi_temp_path {{dir}}/scgi;
              server { listen 127.0.0.1:{{port}}; root {{data}}; autoindex on; }
            }
            """);
        var process = Process.Start(new ProcessStartInfo("/usr/sbin/nginx", ["-c", conf, "-p", dir, "-e", Path.Combine(dir, "error.log")]))!;
        _processes.Add(process);
        await WaitForPortAsync(port);
        return $"http://127.0.0.1:{port}/";
    }
}
