using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Sluice.Core.Brokers;

namespace Sluice.Brokers.Amqp;

/// <summary>
/// RabbitMQ's management HTTP API (the <c>rabbitmq_management</c> plugin, what sr3's <c>rabbitmqadmin</c> calls):
/// creates and deletes users and sets their permissions, as the <c>admin</c> user.
/// </summary>
public sealed class RabbitMqManagement : IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _api;
    private readonly BrokerUrl _admin;

    /// <param name="admin">The admin's broker URL, with its password.</param>
    /// <param name="api">The management API; null for sr3's: <c>http://host:15672/</c>, or <c>https://host:15671/</c> for amqps.</param>
    public RabbitMqManagement(BrokerUrl admin, Uri? api = null)
    {
        _admin = admin;
        _api = api ?? new Uri(admin.IsTls ? $"https://{admin.Host}:15671/" : $"http://{admin.Host}:15672/");
        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{admin.User}:{admin.Password}"));
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", token);
    }

    /// <summary>Where the API is (no credentials in it).</summary>
    public Uri Api => _api;

    /// <summary>Creates the user, or updates its password and tags.</summary>
    public Task PutUserAsync(string name, string password, string tags, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, $"api/users/{Uri.EscapeDataString(name)}", new Dictionary<string, string> { ["password"] = password, ["tags"] = tags }, cancellationToken);

    /// <summary>Sets the user's permissions on the admin URL's virtual host.</summary>
    public Task PutPermissionsAsync(string name, AmqpPermissions permissions, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, $"api/permissions/{Uri.EscapeDataString(_admin.VirtualHost)}/{Uri.EscapeDataString(name)}",
            new Dictionary<string, string> { ["configure"] = permissions.Configure, ["write"] = permissions.Write, ["read"] = permissions.Read }, cancellationToken);

    /// <summary>Deletes the user; false when there was none.</summary>
    public async Task<bool> DeleteUserAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(HttpMethod.Delete, $"api/users/{Uri.EscapeDataString(name)}", null, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (BrokerException ex) when (ex.InnerException is HttpRequestException { StatusCode: HttpStatusCode.NotFound })
        {
            return false;
        }
    }

    public void Dispose() => _http.Dispose();

    private async Task SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(_api, path));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new BrokerException(_admin, $"the management API at {_api} cannot be reached ({ex.Message}); is the rabbitmq_management plugin enabled?", ex);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                throw new BrokerException(_admin, $"{method} {_api}{path}: {(int)response.StatusCode} {response.ReasonPhrase} {text}".TrimEnd(),
                    new HttpRequestException(text, null, response.StatusCode));
            }
        }
    }
}
