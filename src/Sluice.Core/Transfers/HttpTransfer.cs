using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Text;
using System.Text.RegularExpressions;

namespace Sluice.Core.Transfers;

/// <summary>
/// http and https on <see cref="HttpClient"/>: byte ranges (resume), basic credentials from the
/// URL, <c>bearer_token</c>, certificate checks per <see cref="TlsRigour"/>, and listing of
/// Apache-style directory indexes for poll; writes as WebDAV does them (PUT, DELETE, MOVE with a
/// <c>Destination</c>, MKCOL), which the pump's data server accepts from its writers.
/// </summary>
internal sealed partial class HttpTransfer : ITransfer
{
    private const long ExpectContinueAbove = 64 * 1024;
    private static readonly HttpMethod Move = new("MOVE");
    private static readonly HttpMethod MakeCollection = new("MKCOL");
    private readonly HttpClient _client;
    private readonly Lazy<HttpClient> _bulk;
    private readonly Uri _base;

    public HttpTransfer(TransferOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        var uri = new Uri(options.Url);
        _base = new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty }.Uri;
        _client = Client(options, uri, Handler(options));
        _bulk = new Lazy<HttpClient>(() =>
        {
            var handler = Handler(options);
            handler.ConnectCallback = (context, ct) => ValueTask.FromResult<Stream>(BlockingSocketStream.Connect(context.DnsEndPoint, options.Timeout, ct));
            return Client(options, uri, handler);
        });
    }

    private static SocketsHttpHandler Handler(TransferOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.Timeout,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            AutomaticDecompression = DecompressionMethods.None,
            SslOptions = new SslClientAuthenticationOptions(),
        };
        switch (options.TlsRigour)
        {
            case TlsRigour.Lax:
                // tlsRigour lax is the operator's explicit choice to accept any certificate (sr3 semantics).
#pragma warning disable CA5359
                handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
                break;
            case TlsRigour.Strict:
                handler.SslOptions.CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.Online;
                break;
            default:
                break;
        }

        return handler;
    }

    private static HttpClient Client(TransferOptions options, Uri uri, SocketsHttpHandler handler)
    {
        var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        if (!string.IsNullOrEmpty(options.BearerToken))
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.BearerToken);
        }
        else if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var userInfo = Uri.UnescapeDataString(uri.UserInfo);
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(userInfo)));
        }

        return client;
    }

    public TransferOptions Options { get; }

    public Task ConnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<RemoteEntry>> ListAsync(string remoteDirectory, CancellationToken cancellationToken)
    {
        var uri = Target(remoteDirectory.EndsWith('/') ? remoteDirectory : remoteDirectory + "/");
        return OperationTimeout.RunAsync<IReadOnlyList<RemoteEntry>>(
            Options,
            $"list {uri.AbsolutePath}",
            async ct =>
            {
                using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, uri), ct).ConfigureAwait(false);
                var html = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                return ParseIndex(html);
            },
            cancellationToken);
    }

    public Task<long> GetAsync(string remotePath, Stream destination, long offset, long? length, CancellationToken cancellationToken) =>
        GetAsync(remotePath, destination, offset, length, null, cancellationToken);

    /// <remarks>
    /// A file announced with <see cref="BulkAbove"/> bytes or more is fetched on a thread of its own over a connection
    /// of its own whose socket blocks (<see cref="BlockingSocketStream"/>), closed after the file: on one stream of a
    /// large file that spends half the CPU of the asynchronous client's. Smaller files share the kept-alive
    /// asynchronous connections, where a new connection and thread per file would cost more than they save.
    /// </remarks>
    public Task<long> GetAsync(string remotePath, Stream destination, long offset, long? length, long? announcedSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if ((length ?? (announcedSize - offset)) is not { } expected || expected < BulkAbove)
        {
            return GetWithAsync(_client, bulk: false, remotePath, destination, offset, length, cancellationToken);
        }

        // The request is sent with the client's synchronous API, so that the whole download stays on this thread.
        return Task.Factory.StartNew(
            () => GetWithAsync(_bulk.Value, bulk: true, remotePath, destination, offset, length, cancellationToken).GetAwaiter().GetResult(),
            cancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
    }

    /// <summary>The announced size from which a download runs on a thread and connection of its own.</summary>
    internal const long DefaultBulkAbove = 8L * 1024 * 1024;

    /// <summary>The announced size from which a download runs on a thread and connection of its own (tests change it).</summary>
    internal long BulkAbove { get; init; } = DefaultBulkAbove;

    private async Task<long> GetWithAsync(HttpClient client, bool bulk, string remotePath, Stream destination, long offset, long? length, CancellationToken cancellationToken)
    {
        var uri = Target(remotePath);
        var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.ConnectionClose = bulk;
        if (offset > 0 || length is not null)
        {
            request.Headers.Range = new RangeHeaderValue(offset, length is null ? null : offset + length.Value - 1);
        }

        var response = await OperationTimeout.RunAsync(Options, $"get {uri.AbsolutePath}", ct => SendAsync(client, request, ct, blocking: bulk), cancellationToken).ConfigureAwait(false);
        using (response)
        {
            if (length == 0)
            {
                return 0;
            }

            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            if (bulk)
            {
                body = BlockingSocketStream.Interruptible(body);
                destination = BlockingSocketStream.WaitingWrites(destination);
            }

            await using (body.ConfigureAwait(false))
            {
                if (offset > 0 && response.StatusCode != HttpStatusCode.PartialContent)
                {
                    // The server ignored the range: skip to the offset.
                    await OperationTimeout.CopyAsync(Options, body, Stream.Null, offset, cancellationToken).ConfigureAwait(false);
                }

                return await OperationTimeout.CopyAsync(Options, body, destination, length, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async Task PutAsync(Stream source, string remotePath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var uri = Target(remotePath);
        var content = new UploadContent(Options, source);
        using var request = new HttpRequestMessage(HttpMethod.Put, uri) { Content = content };
        if (content.Headers.ContentLength is null or > ExpectContinueAbove)
        {
            // A refusal (401, 403) then comes before the body is sent, rather than as a connection closed mid-body.
            request.Headers.ExpectContinue = true;
        }

        // The body is copied with a timeout on each read and write (large files are not cut off while data flows).
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    public Task DeleteAsync(string remotePath, CancellationToken cancellationToken) =>
        RequestAsync(HttpMethod.Delete, remotePath, null, cancellationToken);

    public Task RenameAsync(string fromPath, string toPath, CancellationToken cancellationToken) =>
        RequestAsync(Move, fromPath, Target(toPath), cancellationToken);

    public async Task MkdirAsync(string remoteDirectory, CancellationToken cancellationToken)
    {
        var directory = remoteDirectory.TrimEnd('/');
        try
        {
            await RequestAsync(MakeCollection, directory + "/", null, cancellationToken).ConfigureAwait(false);
        }
        catch (TransferException ex) when (ex.StatusCode == 405)
        {
            // WebDAV answers 405 when the collection exists already: that is what was asked for, if it is a directory.
            await ListAsync(directory, cancellationToken).ConfigureAwait(false);
        }
        catch (TransferException ex) when (ex.StatusCode == 409 && directory.LastIndexOf('/') is var slash && slash > 0)
        {
            // WebDAV makes no missing parents (409 Conflict): make them first.
            await MkdirAsync(directory[..slash], cancellationToken).ConfigureAwait(false);
            await RequestAsync(MakeCollection, directory + "/", null, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task SymlinkAsync(string target, string linkPath, CancellationToken cancellationToken) =>
        throw new TransferException(Options.Url, $"symlink {linkPath}: http has no symbolic links (use sftp or file to replay links)", isTransient: false);

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        if (_bulk.IsValueCreated)
        {
            _bulk.Value.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Reads an Apache-style index (<c>&lt;a href="name"&gt;name&lt;/a&gt; date size</c>), as the
    /// pump's data server, Apache and nginx write them, and as sr3's http poll parses them.
    /// </summary>
    internal static IReadOnlyList<RemoteEntry> ParseIndex(string html)
    {
        var entries = new List<RemoteEntry>();
        foreach (Match m in IndexLine().Matches(html))
        {
            var href = WebUtility.HtmlDecode(m.Groups["href"].Value);
            if (href.StartsWith('?') || href.StartsWith('/') || href.StartsWith("..", StringComparison.Ordinal) || href.Contains("://", StringComparison.Ordinal))
            {
                continue;
            }

            var isDir = href.EndsWith('/');
            var name = Uri.UnescapeDataString(isDir ? href[..^1] : href);
            if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal))
            {
                continue;
            }

            DateTimeOffset? mtime = null;
            // Apache's HTMLTable layout puts the date and size in cells after the link: read the rest of the row as text.
            var rest = m.Groups["rest"].Value;
            rest = WebUtility.HtmlDecode(Tag().Replace(rest, " "));
            var date = IndexDate().Match(rest);
            if (date.Success && DateTimeOffset.TryParseExact(date.Value.Trim(), ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "dd-MMM-yyyy HH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                mtime = parsed;
            }

            long size = -1;
            var sizeMatch = IndexSize().Match(date.Success ? rest[(date.Index + date.Length)..] : rest);
            if (sizeMatch.Success)
            {
                size = ParseSize(sizeMatch.Groups["n"].Value, sizeMatch.Groups["u"].Value);
            }

            entries.Add(new RemoteEntry(name, isDir ? 0 : size, mtime, isDir));
        }

        return entries;
    }

    private static long ParseSize(string number, string unit)
    {
        var n = double.Parse(number, CultureInfo.InvariantCulture);
        var factor = unit.ToUpperInvariant() switch
        {
            "K" => 1024d,
            "M" => 1024d * 1024,
            "G" => 1024d * 1024 * 1024,
            "T" => 1024d * 1024 * 1024 * 1024,
            _ => 1d,
        };
        return (long)(n * factor);
    }

    private Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendAsync(_client, request, cancellationToken);

    /// <summary>Sends <paramref name="request"/> and returns a successful response (headers read), or throws a <see cref="TransferException"/>.</summary>
    /// <param name="client">The client to send with.</param>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <param name="blocking">Send with the client's synchronous API (on a thread of the caller's, over a <see cref="BlockingSocketStream"/>).</param>
    private async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpRequestMessage request, CancellationToken cancellationToken, bool blocking = false)
    {
        HttpResponseMessage response;
        try
        {
            response = blocking
                ? client.Send(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken)
                : await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            var transient = e.HttpRequestError is not HttpRequestError.SecureConnectionError;
            throw new TransferException(Options.Url, $"{request.Method} {request.RequestUri?.AbsolutePath}: {e.Message}", transient, e);
        }

        if (!response.IsSuccessStatusCode)
        {
            var code = (int)response.StatusCode;
            var reason = response.ReasonPhrase;
            var detail = await ErrorTextAsync(response, cancellationToken).ConfigureAwait(false);
            response.Dispose();
            var transient = code >= 500 || code == 408 || code == 429;
            throw new TransferException(Options.Url, $"{request.Method} {request.RequestUri?.AbsolutePath}: HTTP {code} {reason}{detail}", transient)
            {
                IsNotFound = code is 404 or 410,
                StatusCode = code,
            };
        }

        return response;
    }

    private Task RequestAsync(HttpMethod method, string remotePath, Uri? destination, CancellationToken cancellationToken)
    {
        var uri = Target(remotePath);
        return OperationTimeout.RunAsync(
            Options,
            $"{method} {uri.AbsolutePath}",
            async ct =>
            {
                using var request = new HttpRequestMessage(method, uri);
                if (destination is not null)
                {
                    request.Headers.Add("Destination", destination.AbsoluteUri);
                    request.Headers.Add("Overwrite", "T");
                }

                using var response = await SendAsync(request, ct).ConfigureAwait(false);
            },
            cancellationToken);
    }

    private Uri Target(string remotePath)
    {
        var escaped = string.Join('/', remotePath.Split('/').Select(Uri.EscapeDataString));
        if (remotePath.StartsWith('/'))
        {
            return new Uri(_base, escaped);
        }

        var baseUri = _base.AbsoluteUri.EndsWith('/') ? _base : new Uri(_base.AbsoluteUri + "/");
        return new Uri(baseUri, escaped);
    }

    /// <summary>The first line of a short plain-text error body (the data server says why it refused), else nothing.</summary>
    private static async Task<string> ErrorTextAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentType?.MediaType != "text/plain" || response.Content.Headers.ContentLength is not (> 0 and < 4096))
        {
            return string.Empty;
        }

        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var line = text.Split('\n', 2)[0].Trim();
            return line.Length == 0 ? string.Empty : ": " + line;
        }
        catch (HttpRequestException)
        {
            return string.Empty;
        }
    }

    /// <summary>A request body read from a stream as it is sent, with its length when the stream knows it.</summary>
    private sealed class UploadContent(TransferOptions options, Stream source) : HttpContent
    {
        private readonly long? _length = source.CanSeek ? source.Length - source.Position : null;

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
            await OperationTimeout.CopyAsync(options, source, stream, _length, cancellationToken).ConfigureAwait(false);

        protected override bool TryComputeLength(out long length)
        {
            length = _length ?? 0;
            return _length is not null;
        }
    }

    [GeneratedRegex("<a\\s+href=\"(?<href>[^\"]+)\"[^>]*>[^<]*</a>(?<rest>(?:(?!<a\\s)[^\\n])*)", RegexOptions.IgnoreCase)]
    private static partial Regex IndexLine();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tag();

    [GeneratedRegex(@"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?|\d{2}-[A-Za-z]{3}-\d{4} \d{2}:\d{2}")]
    private static partial Regex IndexDate();

    [GeneratedRegex(@"(?<n>\d+(\.\d+)?)(?<u>[KMGT]?)\b")]
    private static partial Regex IndexSize();
}
