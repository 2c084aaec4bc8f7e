using System.Text.Json;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Sluice.Core.Logging;

namespace Sluice.Brokers.Mqtt;

/// <summary>
/// The pump's own MQTT broker (MQTTnet.Server), so one machine needs nothing installed: users and passwords from
/// the pump's configuration, sr3's permissions on exchanges (<see cref="TopicPermissions"/>), persistent sessions,
/// and retained messages kept in the state directory across restarts.
/// </summary>
public sealed partial class EmbeddedMqttBroker : IAsyncDisposable
{
    private const string UserKey = "sluice.user";

    private readonly EmbeddedBrokerOptions _options;
    private readonly ILogger _logger;
    private readonly MqttServer _server;
    private readonly Dictionary<string, PumpUser> _users;
    private readonly SemaphoreSlim _retainedLock = new(1, 1);

    public EmbeddedMqttBroker(EmbeddedBrokerOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        _users = options.Users.ToDictionary(u => u.Name, StringComparer.Ordinal);
        var serverOptions = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(options.Address)
            .WithDefaultEndpointPort(options.Port)
            .WithPersistentSessions()
            .WithMaxPendingMessagesPerClient(100_000)
            .Build();
        _server = new MqttServerFactory().CreateMqttServer(serverOptions);
        _server.ValidatingConnectionAsync += ValidateAsync;
        _server.InterceptingPublishAsync += InterceptPublishAsync;
        _server.InterceptingSubscriptionAsync += InterceptSubscriptionAsync;
        _server.LoadingRetainedMessageAsync += LoadRetainedAsync;
        _server.RetainedMessageChangedAsync += SaveRetainedAsync;
    }

    public int Port => _options.Port;

    public string Url(string user, string password) => $"mqtt://{Uri.EscapeDataString(user)}:{Uri.EscapeDataString(password)}@{_options.Address}:{_options.Port}";

    public async Task StartAsync()
    {
        await _server.StartAsync().ConfigureAwait(false);
        EmbeddedLog.Started(_logger, _options.Address.ToString(), _options.Port, _users.Count);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync().ConfigureAwait(false);
        _server.Dispose();
        _retainedLock.Dispose();
    }

    private Task ValidateAsync(ValidatingConnectionEventArgs e)
    {
        if (string.IsNullOrEmpty(e.UserName))
        {
            if (_options.AllowAnonymous)
            {
                e.SessionItems[UserKey] = new PumpUser("anonymous", string.Empty, "subscriber");
                return Task.CompletedTask;
            }

            e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            EmbeddedLog.Refused(_logger, "(anonymous)", e.RemoteEndPoint?.ToString() ?? "?");
            return Task.CompletedTask;
        }

        if (!_users.TryGetValue(e.UserName, out var user) || !FixedTimeEquals(user.Password, e.Password ?? string.Empty))
        {
            e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            EmbeddedLog.Refused(_logger, e.UserName, e.RemoteEndPoint?.ToString() ?? "?");
            return Task.CompletedTask;
        }

        e.SessionItems[UserKey] = user;
        return Task.CompletedTask;
    }

    private Task InterceptPublishAsync(InterceptingPublishEventArgs e)
    {
        if (e.SessionItems[UserKey] is not PumpUser user)
        {
            return Task.CompletedTask; // the broker's own messages
        }

        if (!TopicPermissions.MayPublish(user, e.ApplicationMessage.Topic))
        {
            e.ProcessPublish = false;
            e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            e.Response.ReasonString = $"{user.Name} ({user.Role}) may not publish to {e.ApplicationMessage.Topic}";
            EmbeddedLog.PublishRefused(_logger, user.Name, user.Role, e.ApplicationMessage.Topic);
        }

        return Task.CompletedTask;
    }

    private Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs e)
    {
        if (e.SessionItems[UserKey] is PumpUser user && !TopicPermissions.MaySubscribe(user, e.TopicFilter.Topic))
        {
            e.ProcessSubscription = false;
            e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            EmbeddedLog.SubscribeRefused(_logger, user.Name, user.Role, e.TopicFilter.Topic);
        }

        return Task.CompletedTask;
    }

    private string? RetainedFile => _options.StateDirectory is null ? null : Path.Combine(_options.StateDirectory, "retained.json");

    private sealed record RetainedMessage(string Topic, string Payload, string? ContentType);

    private async Task LoadRetainedAsync(LoadingRetainedMessagesEventArgs e)
    {
        if (RetainedFile is not { } file || !File.Exists(file))
        {
            return;
        }

        var saved = JsonSerializer.Deserialize<List<RetainedMessage>>(await File.ReadAllTextAsync(file).ConfigureAwait(false)) ?? [];
        e.LoadedRetainedMessages = [.. saved.Select(m => new MqttApplicationMessageBuilder()
            .WithTopic(m.Topic).WithPayload(Convert.FromBase64String(m.Payload)).WithContentType(m.ContentType)
            .WithRetainFlag().WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build())];
    }

    private async Task SaveRetainedAsync(RetainedMessageChangedEventArgs e)
    {
        if (RetainedFile is not { } file)
        {
            return;
        }

        await _retainedLock.WaitAsync().ConfigureAwait(false);
        try
        {
            var all = e.StoredRetainedMessages.Select(m => new RetainedMessage(m.Topic, Convert.ToBase64String(System.Buffers.BuffersExtensions.ToArray(m.Payload)), m.ContentType)).ToList();
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            await File.WriteAllTextAsync(file + ".tmp", JsonSerializer.Serialize(all)).ConfigureAwait(false);
            File.Move(file + ".tmp", file, overwrite: true);
        }
        finally
        {
            _retainedLock.Release();
        }
    }

    private static bool FixedTimeEquals(string a, string b) =>
        System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(a), System.Text.Encoding.UTF8.GetBytes(b));

    private static partial class EmbeddedLog
    {
        [LoggerMessage(EventId = LogEvents.EmbeddedBroker.Started, Level = LogLevel.Information, Message = "embedded MQTT broker listening on {Address}:{Port} with {Users} user(s)")]
        public static partial void Started(ILogger logger, string address, int port, int users);

        [LoggerMessage(EventId = LogEvents.EmbeddedBroker.Refused, Level = LogLevel.Warning, Message = "embedded broker: refused login of {User} from {Remote}")]
        public static partial void Refused(ILogger logger, string user, string remote);

        [LoggerMessage(EventId = LogEvents.EmbeddedBroker.PublishRefused, Level = LogLevel.Warning, Message = "embedded broker: {User} ({Role}) may not publish to {Topic}")]
        public static partial void PublishRefused(ILogger logger, string user, string role, string topic);

        [LoggerMessage(EventId = LogEvents.EmbeddedBroker.SubscribeRefused, Level = LogLevel.Warning, Message = "embedded broker: {User} ({Role}) may not subscribe to {Filter}")]
        public static partial void SubscribeRefused(ILogger logger, string user, string role, string filter);
    }
}
