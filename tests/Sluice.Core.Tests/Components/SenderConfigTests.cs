using Sluice.Core.Components;
using Sluice.Core.Config;
using Sluice.Core.Transfers;
using Sluice.Core.Work;

namespace Sluice.Core.Tests.Components;

/// <summary>sr3 sender and report options mapped to the engine's settings.</summary>
public class SenderConfigTests
{
    private static FlowSettings Map(string component, string text)
    {
        using var dir = new TempDirectory();
        var config = ConfigLoader.LoadText(component, "x", text);
        return ConfigMapping.ToSettings(config, new SluicePaths(dir.File("config"), dir.File("state")), CredentialStore.Empty, 1);
    }

    [Fact]
    public void A_sender_configuration_sends_to_sendTo_with_sr3s_defaults_and_announces_there()
    {
        var settings = Map("sender", "broker amqp://alice@pump/\nexchange xs_alice\ndestination sftp://bob@store/\ndirectory /srv/in\nmirror on\nflatten -\npost_broker amqp://alice@pump/\npost_exchange xpublic\n");
        var send = Assert.IsType<SendOptions>(settings.Send);
        Assert.Equal("sftp://bob@store/", send.SendTo);
        Assert.Equal("/srv/in", send.Directory);
        Assert.True(send.Mirror);
        Assert.Equal("-", send.Flatten);
        Assert.Equal(".tmp", send.Inflight);
        Assert.Equal("sftp://bob@store/", send.PostBaseUrl);
        Assert.Null(settings.Download);
        Assert.Equal(["xpublic"], settings.PostExchanges);
        Assert.Contains("sender", ConfigMapping.SubscribingComponents);
    }

    [Fact]
    public void Timeout_is_sr3s_300_s_by_default_in_the_configuration_and_the_engine_alike_and_applied_when_set()
    {
        const string sender = "broker amqp://alice@pump/\nexchange xs_alice\ndestination sftp://bob@store/\n";
        Assert.Equal(TimeSpan.FromSeconds(300), Defaults.Timeout);
        Assert.Equal(Defaults.Timeout, new TransferOptions { Url = "sftp://bob@store/" }.Timeout);
        Assert.Equal(Defaults.Timeout, new DownloadOptions { Directory = "/srv" }.Timeout);
        Assert.Equal(Defaults.Timeout, new SendOptions { SendTo = "sftp://bob@store/" }.Timeout);
        Assert.Equal(Defaults.Timeout, Map("sender", sender).Send!.Timeout);
        Assert.Equal(Defaults.Timeout, Map("subscribe", "broker amqp://alice@pump/\nexchange xpublic\nsubtopic #\ndirectory /srv\n").Download!.Timeout);

        Assert.Equal(TimeSpan.FromSeconds(7), Map("sender", sender + "timeout 7\n").Send!.Timeout);
    }

    [Fact]
    public void A_sender_without_sendTo_is_a_configuration_error_that_says_so()
    {
        var ex = Assert.Throws<ConfigException>(() => Map("sender", "broker amqp://alice@pump/\nexchange xs_alice\n"));
        Assert.Contains("no sendTo", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reports_go_to_xr_user_or_to_xreport_for_a_declared_feeder_or_where_report_exchange_says()
    {
        var subscriber = Map("subscribe", "broker amqp://alice@pump/\nexchange xpublic\nreport on\n");
        Assert.True(subscriber.Flow.Report);
        Assert.Equal("xr_alice", subscriber.ReportExchange);
        Assert.Equal(subscriber.Broker, subscriber.ReportBroker);
        Assert.Contains(subscriber.Flow.ReportBy!, h => h.Name == "user" && h.StringValue == "alice");

        Assert.Equal("xreport", Map("subscribe", "declare feeder alice\nbroker amqp://alice@pump/\nexchange xpublic\nreport on\n").ReportExchange);
        var elsewhere = Map("subscribe", "broker amqp://alice@pump/\nexchange xpublic\nreport on\nreport_broker amqp://bob@other/\nreport_exchange xr_bob\n");
        Assert.Equal("xr_bob", elsewhere.ReportExchange);
        Assert.Equal("other", elsewhere.ReportBroker!.Host);
    }
}
