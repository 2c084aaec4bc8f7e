using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Text.RegularExpressions;
using Sluice.Core.Transfers;

namespace Sluice.Transfers.Ftp;

/// <summary>
/// ftp and ftps. This client is hand-written on the BCL (TcpClient + SslStream) because no
/// suitable FTP library is available to the project: it implements what a data pump needs —
/// passive (PASV) and active (PORT) data connections, binary or ascii, explicit TLS (AUTH TLS,
/// PBSZ 0, PROT P or C), implicit FTPS, REST for resuming, LIST (unix format) for poll, STOR,
/// DELE, RNFR/RNTO, MKD. One control connection, reused for many files; one transfer at a time.
/// </summary>
public sealed partial class FtpTransfer : ITransfer
{
    private readonly Uri _uri;
    private TcpClient? _control;
    private Stream? _stream;
    private StreamReader? _reader;

    public FtpTransfer(TransferOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _uri = new Uri(options.Url);
    }

    public TransferOptions Options { get; }

    private bool Secure => Options.ImplicitFtps || Options.Tls || _uri.Scheme.Equals("ftps", StringComparison.OrdinalIgnoreCase);

    /// <summary>Registers <c>ftp</c> and <c>ftps</c> in <paramref name="registry"/>.</summary>
    public static void Register(TransferRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.Register("ftp", o => new FtpTransfer(o));
        registry.Register("ftps", o => new FtpTransfer(o));
    }

    public Task ConnectAsync(CancellationToken cancellationToken) =>
        OperationTimeout.RunAsync(Options, "connect", ConnectCoreAsync, cancellationToken);

    public async Task<IReadOnlyList<RemoteEntry>> ListAsync(string remoteDirectory, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await TransferDataAsync($"LIST {remoteDirectory}", null, data => OperationTimeout.CopyAsync(Options, data, buffer, null, cancellationToken), cancellationToken).ConfigureAwait(false);
        return ParseList(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    public Task<long> GetAsync(string remotePath, Stream destination, long offset, long? length, CancellationToken cancellationToken) =>
        TransferDataAsync($"RETR {remotePath}", offset > 0 ? offset : null, data => OperationTimeout.CopyAsync(Options, data, destination, length, cancellationToken), cancellationToken, partial: length is not null);

    public Task PutAsync(Stream source, string remotePath, CancellationToken cancellationToken) =>
        TransferDataAsync($"STOR {remotePath}", null, data => OperationTimeout.CopyAsync(Options, source, data, null, cancellationToken), cancellationToken);

    public Task DeleteAsync(string remotePath, CancellationToken cancellationToken) =>
        CommandAsync($"DELE {remotePath}", 250, cancellationToken);

    public async Task RenameAsync(string fromPath, string toPath, CancellationToken cancellationToken)
    {
        await CommandAsync($"RNFR {fromPath}", 350, cancellationToken).ConfigureAwait(false);
        await CommandAsync($"RNTO {toPath}", 250, cancellationToken).ConfigureAwait(false);
    }

    public async Task MkdirAsync(string remoteDirectory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(remoteDirectory);
        await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var path = remoteDirectory.StartsWith('/') ? "/" : string.Empty;
        foreach (var part in remoteDirectory.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            path = path.Length == 0 || path.EndsWith('/') ? path + part : path + "/" + part;
            var (code, _) = await OperationTimeout.RunAsync(Options, $"MKD {path}", ct => SendAsync($"MKD {path}", ct), cancellationToken).ConfigureAwait(false);
            if (code != 257 && code != 550 && code != 521)
            {
                throw new TransferException(Options.Url, $"MKD {path}: unexpected reply {code}", isTransient: code < 500);
            }
        }
    }

    public Task SymlinkAsync(string target, string linkPath, CancellationToken cancellationToken) =>
        throw new TransferException(Options.Url, "symbolic links cannot be made over ftp", isTransient: false);

    public async ValueTask DisposeAsync()
    {
        if (_stream is not null)
        {
            try
            {
                using var quit = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await WriteLineAsync("QUIT", quit.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
                // The server is gone already; nothing to say goodbye to.
            }
        }

        Close();
    }

    /// <summary>Parses a unix-style LIST (<c>-rw-r--r-- 1 u g 123 Nov 24 10:00 name</c>), as vsftpd and most servers write it.</summary>
    internal static IReadOnlyList<RemoteEntry> ParseList(string text)
    {
        var entries = new List<RemoteEntry>();
        foreach (var line in text.Split('\n'))
        {
            var m = UnixLine().Match(line.TrimEnd('\r'));
            if (!m.Success)
            {
                continue;
            }

            var type = m.Groups["type"].Value[0];
            var name = m.Groups["name"].Value;
            string? link = null;
            if (type == 'l')
            {
                var arrow = name.IndexOf(" -> ", StringComparison.Ordinal);
                if (arrow >= 0)
                {
                    link = name[(arrow + 4)..];
                    name = name[..arrow];
                }
            }

            if (name is "." or "..")
            {
                continue;
            }

            entries.Add(new RemoteEntry(name, type == 'd' ? 0 : long.Parse(m.Groups["size"].Value, CultureInfo.InvariantCulture), ParseDate(m.Groups["date"].Value), type == 'd', link));
        }

        return entries;
    }

    private static DateTimeOffset? ParseDate(string text)
    {
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var now = DateTimeOffset.UtcNow;
        if (parts[2].Contains(':', StringComparison.Ordinal))
        {
            if (DateTimeOffset.TryParseExact($"{parts[0]} {parts[1]} {now.Year} {parts[2]}", "MMM d yyyy HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d))
            {
                return d > now.AddDays(1) ? d.AddYears(-1) : d;
            }
        }
        else if (DateTimeOffset.TryParseExact($"{parts[0]} {parts[1]} {parts[2]}", "MMM d yyyy", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d))
        {
            return d;
        }

        return null;
    }

    private async Task ConnectCoreAsync(CancellationToken cancellationToken)
    {
        if (_stream is not null)
        {
            return;
        }

        try
        {
            var control = new TcpClient { NoDelay = true };
            await control.ConnectAsync(_uri.Host, _uri.Port > 0 ? _uri.Port : (Options.ImplicitFtps ? 990 : 21), cancellationToken).ConfigureAwait(false);
            _control = control;
            Stream stream = control.GetStream();
            if (Options.ImplicitFtps)
            {
                stream = await TlsAsync(stream, cancellationToken).ConfigureAwait(false);
            }

            SetStream(stream);
            await ExpectAsync(await ReadReplyAsync(cancellationToken).ConfigureAwait(false), "greeting", 220).ConfigureAwait(false);
            if (Secure && !Options.ImplicitFtps)
            {
                await CommandCoreAsync("AUTH TLS", 234, cancellationToken).ConfigureAwait(false);
                SetStream(await TlsAsync(control.GetStream(), cancellationToken).ConfigureAwait(false));
            }

            var user = _uri.UserInfo.Length == 0 ? "anonymous" : Uri.UnescapeDataString(_uri.UserInfo.Split(':', 2)[0]);
            var colon = _uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            var password = colon < 0 ? "anonymous@" : Uri.UnescapeDataString(_uri.UserInfo[(colon + 1)..]);
            var (code, text) = await SendAsync($"USER {user}", cancellationToken).ConfigureAwait(false);
            if (code == 331)
            {
                (code, text) = await SendAsync($"PASS {password}", cancellationToken).ConfigureAwait(false);
            }

            if (code != 230)
            {
                throw new TransferException(Options.Url, $"login refused: {code} {text}", isTransient: code < 500);
            }

            if (Secure)
            {
                await CommandCoreAsync("PBSZ 0", 200, cancellationToken).ConfigureAwait(false);
                await CommandCoreAsync(Options.ProtP ? "PROT P" : "PROT C", 200, cancellationToken).ConfigureAwait(false);
            }

            await SendAsync("OPTS UTF8 ON", cancellationToken).ConfigureAwait(false);
            await CommandCoreAsync(Options.Binary ? "TYPE I" : "TYPE A", 200, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or AuthenticationException)
        {
            Close();
            throw new TransferException(Options.Url, $"connect: {e.Message}", isTransient: e is not AuthenticationException, e);
        }
        catch
        {
            Close();
            throw;
        }
    }

    private async Task<T> TransferDataAsync<T>(string command, long? restart, Func<Stream, Task<T>> body, CancellationToken cancellationToken, bool partial = false)
    {
        await ConnectAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            TcpListener? listener = null;
            Task<TcpClient>? passive = null;
            var (host, port) = (string.Empty, 0);
            try
            {
                if (Options.Passive)
                {
                    var (code, text) = await OperationTimeout.RunAsync(Options, "PASV", ct => SendAsync("PASV", ct), cancellationToken).ConfigureAwait(false);
                    var m = PasvReply().Match(text);
                    if (code != 227 || !m.Success)
                    {
                        throw new TransferException(Options.Url, $"PASV refused: {code} {text}", isTransient: true);
                    }

                    // Connect to the control connection's host, not the address in the reply (NAT, and no bouncing elsewhere).
                    host = _uri.Host;
                    port = (int.Parse(m.Groups[5].Value, CultureInfo.InvariantCulture) * 256) + int.Parse(m.Groups[6].Value, CultureInfo.InvariantCulture);
                }
                else
                {
                    var local = ((IPEndPoint)_control!.Client.LocalEndPoint!).Address;
                    local = local.IsIPv4MappedToIPv6 ? local.MapToIPv4() : local;
                    listener = new TcpListener(local, 0);
                    listener.Start(1);
                    var lp = ((IPEndPoint)listener.LocalEndpoint).Port;
                    var bytes = local.MapToIPv4().GetAddressBytes();
                    await CommandAsync($"PORT {bytes[0]},{bytes[1]},{bytes[2]},{bytes[3]},{lp / 256},{lp % 256}", 200, cancellationToken).ConfigureAwait(false);
                    passive = listener.AcceptTcpClientAsync(cancellationToken).AsTask();
                }

                TcpClient? dataClient = null;
                if (Options.Passive)
                {
                    dataClient = new TcpClient { NoDelay = true };
                    await OperationTimeout.RunAsync(Options, "data connection", ct => dataClient.ConnectAsync(host, port, ct).AsTask(), cancellationToken).ConfigureAwait(false);
                }

                if (restart is { } offset)
                {
                    await CommandAsync($"REST {offset}", 350, cancellationToken).ConfigureAwait(false);
                }

                var (start, startText) = await OperationTimeout.RunAsync(Options, command, ct => SendAsync(command, ct), cancellationToken).ConfigureAwait(false);
                if (start != 150 && start != 125)
                {
                    dataClient?.Dispose();
                    throw Refused(Verb(command), start, startText);
                }

                dataClient ??= await OperationTimeout.RunAsync(Options, "data connection", _ => passive!, cancellationToken).ConfigureAwait(false);
                T result;
                using (dataClient)
                {
                    Stream data = dataClient.GetStream();
                    if (Secure && Options.ProtP)
                    {
                        data = await OperationTimeout.RunAsync(Options, "data TLS", ct => TlsAsync(data, ct), cancellationToken).ConfigureAwait(false);
                    }

                    await using (data.ConfigureAwait(false))
                    {
                        result = await body(data).ConfigureAwait(false);
                        if (data is SslStream ssl && !partial)
                        {
                            await ssl.ShutdownAsync().ConfigureAwait(false);
                        }
                    }
                }

                var (end, endText) = await OperationTimeout.RunAsync(Options, command, ReadReplyAsync, cancellationToken).ConfigureAwait(false);
                if (end != 226 && end != 250 && !(partial && end is 426 or 450 or 451))
                {
                    throw Refused(Verb(command), end, endText);
                }

                return result;
            }
            finally
            {
                listener?.Stop();
                listener?.Dispose();
            }
        }
        catch (Exception e) when (e is IOException or SocketException or AuthenticationException or ObjectDisposedException)
        {
            Close();
            throw new TransferException(Options.Url, $"{Verb(command)}: {e.Message}", isTransient: true, e);
        }
        catch (TransferException e) when (e.IsTransient)
        {
            Close(); // start afresh with a new control connection on the next call
            throw;
        }
    }

    private static string Verb(string command) => command.Split(' ', 2)[0] + (command.Contains(' ', StringComparison.Ordinal) ? " " + command.Split(' ', 2)[1] : string.Empty);

    private async Task CommandAsync(string command, int expected, CancellationToken cancellationToken)
    {
        await ConnectAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await OperationTimeout.RunAsync(Options, Verb(command), ct => CommandCoreAsync(command, expected, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            Close();
            throw new TransferException(Options.Url, $"{Verb(command)}: {e.Message}", isTransient: true, e);
        }
    }

    private async Task CommandCoreAsync(string command, int expected, CancellationToken cancellationToken)
    {
        var reply = await SendAsync(command, cancellationToken).ConfigureAwait(false);
        await ExpectAsync(reply, Verb(command), expected).ConfigureAwait(false);
    }

    private Task ExpectAsync((int Code, string Text) reply, string what, int expected)
    {
        if (reply.Code != expected)
        {
            throw Refused(what, reply.Code, reply.Text);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// A refused command: 4xx are transient, 5xx are not; 550 is RFC 959's "file unavailable (not found, no access)",
    /// which servers answer for a path that is not there (vsftpd answers it for an unreadable file too).
    /// </summary>
    private TransferException Refused(string what, int code, string text) =>
        new(Options.Url, $"{what}: {code} {text}", isTransient: code < 500) { IsNotFound = code == 550 };

    /// <summary>Sends one command and reads its reply. Commands are never logged (PASS carries the password).</summary>
    private async Task<(int Code, string Text)> SendAsync(string command, CancellationToken cancellationToken)
    {
        await WriteLineAsync(command, cancellationToken).ConfigureAwait(false);
        return await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteLineAsync(string line, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\r\n");
        await _stream!.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<(int Code, string Text)> ReadReplyAsync(CancellationToken cancellationToken)
    {
        var first = await _reader!.ReadLineAsync(cancellationToken).ConfigureAwait(false) ?? throw new IOException("the server closed the control connection");
        if (first.Length < 3 || !int.TryParse(first.AsSpan(0, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            throw new IOException($"not an FTP reply: {first}");
        }

        var text = new StringBuilder(first.Length > 4 ? first[4..] : string.Empty);
        if (first.Length > 3 && first[3] == '-')
        {
            var end = first[..3] + " ";
            while (true)
            {
                var line = await _reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) ?? throw new IOException("the server closed the control connection");
                text.Append('\n').Append(line);
                if (line.StartsWith(end, StringComparison.Ordinal))
                {
                    break;
                }
            }
        }

        return (code, text.ToString());
    }

    private async Task<SslStream> TlsAsync(Stream inner, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions { TargetHost = _uri.Host };
        if (Options.TlsRigour == TlsRigour.Lax)
        {
            // tlsRigour lax is the operator's explicit choice to accept any certificate (sr3 semantics).
#pragma warning disable CA5359
            options.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        else if (Options.TlsRigour == TlsRigour.Strict)
        {
            options.CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.Online;
        }

        await ssl.AuthenticateAsClientAsync(options, cancellationToken).ConfigureAwait(false);
        return ssl;
    }

    private void SetStream(Stream stream)
    {
        _stream = stream;
        _reader = new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false, bufferSize: 1024, leaveOpen: true);
    }

    private void Close()
    {
        _reader?.Dispose();
        _stream?.Dispose();
        _control?.Dispose();
        (_reader, _stream, _control) = (null, null, null);
    }

    [GeneratedRegex(@"\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)")]
    private static partial Regex PasvReply();

    [GeneratedRegex(@"^(?<type>[-dlbcps])[-rwxsStT]{9}\S*\s+\d+\s+\S+\s+\S+\s+(?<size>\d+)\s+(?<date>[A-Za-z]{3}\s+\d{1,2}\s+(\d{1,2}:\d{2}|\d{4}))\s(?<name>.+)$")]
    private static partial Regex UnixLine();
}
