using System.Net;
using System.Net.Http.Headers;

namespace Sluice.Core.Transfers;

/// <summary>
/// http and https through one pooled <see cref="HttpClient"/> per server: byte ranges, <c>bearer_token</c>, basic
/// authentication, and TLS verification per <c>tlsRigour</c> (<c>lax</c> accepts self-signed certificates).
/// </summary>
public sealed class HttpTransfer : ITransfer
{
    private readonly Uri _base;
    private readonly HttpClient _client;

    public HttpTransfer(Uri baseUrl, TransferOptions options)
    {
        _base = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = 64,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(Math.Min(options.Timeout.TotalSeconds, 20)),
        };
        if (options.TlsRigour == "lax")
        {
            // tlsRigour lax is the operator's explicit choice (sr3's option): accept self-signed certificates.
#pragma warning disable CA5359
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        }

        _client = new HttpClient(handler) { Timeout = options.Timeout };
        if (options.BearerToken is not null)
        {
            _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.BearerToken);
        }
        else if (options.User is not null)
        {
            var token = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{options.User}:{options.Password}"));
            _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", token);
        }
    }

    private Uri UrlOf(string path) => new(_base, string.Join('/', path.TrimStart('/').Split('/').Select(Uri.EscapeDataString)));

    public async Task<Stream> OpenReadAsync(string path, long offset, long? length, CancellationToken cancellationToken)
    {
        var url = UrlOf(path);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (offset > 0 || length is not null)
        {
            request.Headers.Range = new RangeHeaderValue(offset, length is { } n ? offset + n - 1 : null);
        }

        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new TransferException(url.ToString(), ex.Message, isTransient: true, ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TransferException(url.ToString(), "timed out", isTransient: true, ex);
        }

        if (!response.IsSuccessStatusCode)
        {
            var status = (int)response.StatusCode;
            response.Dispose();
            throw new TransferException(url.ToString(), $"HTTP {status} {response.ReasonPhrase}", isTransient: status >= 500 || status == 429 || status == 408);
        }

        if ((offset > 0 || length is not null) && response.StatusCode != HttpStatusCode.PartialContent)
        {
            response.Dispose();
            throw new TransferException(url.ToString(), "the server ignored the byte range", isTransient: false);
        }

        return new ResponseStream(response, await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
    }

    public Task<IReadOnlyList<RemoteEntry>> ListAsync(string path, CancellationToken cancellationToken) =>
        throw new NotSupportedException("http listing is done by the poll component");

    public async Task PutAsync(Stream source, string path, CancellationToken cancellationToken)
    {
        using var content = new StreamContent(source);
        using var response = await _client.PutAsync(UrlOf(path), content, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new TransferException(UrlOf(path).ToString(), $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}", isTransient: (int)response.StatusCode >= 500);
        }
    }

    public async Task DeleteAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await _client.DeleteAsync(UrlOf(path), cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.NotFound)
        {
            throw new TransferException(UrlOf(path).ToString(), $"HTTP {(int)response.StatusCode}", isTransient: (int)response.StatusCode >= 500);
        }
    }

    public Task RenameAsync(string from, string to, CancellationToken cancellationToken) => throw new NotSupportedException("http has no rename");

    public Task MakeDirectoryAsync(string path, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task SymlinkAsync(string target, string path, CancellationToken cancellationToken) => throw new NotSupportedException("http has no symbolic links");

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>The body stream, disposing the response with it.</summary>
    private sealed class ResponseStream(HttpResponseMessage response, Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => response.Content.Headers.ContentLength ?? throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
