using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Sluice.Core.Brokers;
using Sluice.Core.Components;
using Sluice.Core.Config;
using Sluice.Core.Flows;
using Sluice.Core.Formats;
using Sluice.Core.Messages;
using Sluice.Core.Transfers;
using Sluice.Core.Work;

namespace Sluice.Core.Tests.Components;

/// <summary>
/// sr3's placement options as a flow applies them, from configuration text to the file written: the mirror defaults,
/// flatten, filename (Sundew keywords, an accept line's second word), rename; and what sr3 sets on the messages a
/// flow handles: header values and the source.
/// </summary>
public class PlacementTests
{
    private const string Broker = "broker amqp://alice@127.0.0.1:1/\n";

    private static FlowConfig Load(string component, string text) =>
        ConfigLoader.LoadText(component, "p", text, new Variables.Context(TimeProvider.System, new Dictionary<string, string>()));

    private static FlowSettings Map(TempDirectory dir, string component, string text) =>
        ConfigMapping.ToSettings(Load(component, text), new SluicePaths(dir.File("config"), dir.File("state")), CredentialStore.Empty, 1);

    /// <summary>A file under <c>dir/src</c> and the message announcing it with a <c>file:</c> baseUrl.</summary>
    private static NotificationMessage Announced(TempDirectory dir, string relPath, string text = "data\n")
    {
        var path = Path.Combine(dir.File("src"), relPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return new NotificationMessage("20260102T030405.678", "file://" + dir.File("src") + "/", relPath) { Size = text.Length };
    }

    /// <summary>Filters the message as the flow does, downloads it, and gives the path written, relative to <paramref name="root"/>.</summary>
    private static async Task<string> DownloadAsync(FlowSettings settings, NotificationMessage message, string root)
    {
        var item = new FlowMessage(message);
        Assert.True(settings.Filter!(item).Accepted);
        await using var work = new DownloadWork(settings.Download!);
        Assert.True(await work.DoAsync(item, CancellationToken.None) == WorkOutcome.Ok, item.Reason);
        Assert.True(File.Exists(item.LocalPath), item.LocalPath);
        return Path.GetRelativePath(root, item.LocalPath!);
    }

    /// <summary>Filters the message as the flow does, sends it, and gives the path written on the (file:) server, relative to <paramref name="remote"/>.</summary>
    private static async Task<string> SendAsync(FlowSettings settings, NotificationMessage message, string remote)
    {
        var item = new FlowMessage(message);
        Assert.True(settings.Filter!(item).Accepted);
        await using var work = new SendWork(settings.Send!);
        Assert.Equal(WorkOutcome.Ok, await work.DoAsync(item, CancellationToken.None));
        var written = Directory.GetFiles(remote, "*", SearchOption.AllDirectories);
        return Path.GetRelativePath(remote, Assert.Single(written));
    }

    private static string Sender(TempDirectory dir, string more) =>
        Broker + $"sendTo file://{dir.File("remote")}/\nbaseDir {dir.File("src")}\n" + more;

    [Theory]
    [InlineData("subscribe", false)]
    [InlineData("sarra", true)]
    [InlineData("sender", true)]
    [InlineData("post", true)]
    [InlineData("watch", true)]
    [InlineData("poll", true)]
    [InlineData("shovel", true)]
    [InlineData("winnow", true)]
    [InlineData("report", true)]
    public void Mirror_is_on_by_default_for_every_component_but_subscribe_as_sr3_resolves_it(string component, bool mirror)
    {
        Assert.Equal(mirror, Load(component, "").Flag("mirror"));
    }

    [Fact]
    public async Task A_sender_keeps_the_relPaths_directories_on_the_server_by_default()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("remote"));
        var settings = Map(dir, "sender", Sender(dir, ""));
        Assert.Equal("a/b/c.txt", await SendAsync(settings, Announced(dir, "a/b/c.txt"), dir.File("remote")));
    }

    [Fact]
    public async Task Flatten_makes_one_name_of_the_relPath_where_a_subscriber_writes_and_with_mirror_sr3_keeps_the_directories_too()
    {
        using var dir = new TempDirectory();
        var flat = Map(dir, "subscribe", Broker + $"directory {dir.File("out")}\nflatten -\naccept .*\n");
        Assert.Equal("a-b-c.txt", await DownloadAsync(flat, Announced(dir, "a/b/c.txt"), dir.File("out")));

        var mirrored = Map(dir, "sarra", Broker + $"directory {dir.File("tree")}\nflatten -\naccept .*\n");
        Assert.Equal("a/b/a-b-c.txt", await DownloadAsync(mirrored, Announced(dir, "a/b/c.txt"), dir.File("tree")));

        // Unmatched (acceptUnmatched) files take the flatten of the end of the file.
        var unmatched = Map(dir, "subscribe", Broker + $"directory {dir.File("rest")}\nflatten +\n");
        Assert.Equal("a+b+c.txt", await DownloadAsync(unmatched, Announced(dir, "a/b/c.txt"), dir.File("rest")));
    }

    [Fact]
    public async Task Flatten_in_force_at_an_accept_line_applies_to_what_that_line_accepts_on_a_sender()
    {
        using var dir = new TempDirectory();
        var text = Sender(dir, "mirror off\nflatten _\naccept .*/x/.*\nflatten /\naccept .*\n");

        Directory.CreateDirectory(dir.File("remote"));
        Assert.Equal("x_y_c.txt", await SendAsync(Map(dir, "sender", text), Announced(dir, "x/y/c.txt"), dir.File("remote")));
        Directory.Delete(dir.File("remote"), true);
        Directory.CreateDirectory(dir.File("remote"));
        Assert.Equal("d.txt", await SendAsync(Map(dir, "sender", text), Announced(dir, "z/y/d.txt"), dir.File("remote")));
    }

    [Fact]
    public async Task Filename_keywords_and_an_accept_lines_second_word_name_the_file_written()
    {
        using var dir = new TempDirectory();
        var settings = Map(dir, "subscribe", Broker + $"directory {dir.File("out")}\nfilename WHATFN\naccept .*\\.txt DESTFN=fixed.txt\naccept .*\n");
        Assert.Equal("fixed.txt", await DownloadAsync(settings, Announced(dir, "a/c.txt"), dir.File("out")));
        Assert.Equal("SACN31_CWAO", await DownloadAsync(settings, Announced(dir, "a/SACN31_CWAO:CWAO:SA:3:Direct:20260102030405"), dir.File("out")));

        Directory.CreateDirectory(dir.File("remote"));
        var sender = Map(dir, "sender", Sender(dir, "mirror off\nfilename NONE:TIME\n"));
        Assert.Equal("obs.txt:20260102030405", await SendAsync(sender, Announced(dir, "a/obs.txt"), dir.File("remote")));
    }

    [Theory]
    [InlineData("None", "A_B_C:x:y", "A_B_C:x:y")]
    [InlineData("WHATFN", "A_B_C:x:y", "A_B_C")]
    [InlineData("HEADFN", "A_B_C:x:y", "A_B")]
    [InlineData("NONE", "a:b:c:d:e:f:g", "a:b:c:d:e:f")]
    [InlineData("NONE", "a:b:c:d:ee:f:g", "a:b:c:d:ee")]
    [InlineData("NONE", "a:b:SENDER=s:t", "a:b")]
    [InlineData("SENDER", "a:b:SENDER=s:t", "s")]
    [InlineData("NONESENDER", "a:b:c:d:e:f:g", "a:b:c:d:e:f")]
    [InlineData("TIME", "name", "name:20260102030405")]
    [InlineData("WHATFN:TIME", "name:x:20251231235959", "name:20251231235959")]
    [InlineData("DESTFN=other:SATNET=1,2", "name", "other:SATNET=1,2")]
    public void Sundew_filename_keywords_give_the_names_sr3_gives(string spec, string name, string expected)
    {
        Assert.Null(Placement.CheckFilename(spec));
        Assert.Equal(expected, Placement.SundewFilename(spec, name, "20260102T030405.678"));
    }

    [Theory]
    [InlineData("subscribe", "rename newname\n", "p.conf:2: error: rename: names the files a post, watch or poll announces")]
    [InlineData("sender", "filename DESTFNSCRIPT=x.py\n", "p.conf:2: error: filename: DESTFNSCRIPT=x.py: a destfn script is a Python plugin")]
    [InlineData("subscribe", "filename WHATFN:BOGUS\n", "p.conf:2: error: filename: 'BOGUS' is not a filename keyword")]
    [InlineData("subscribe", "accept .* BOGUS\n", "p.conf:2: error: accept: 'BOGUS' is not a filename keyword")]
    [InlineData("watch", "flatten -\n", "p.conf:2: error: flatten: names the files where they are written")]
    [InlineData("poll", "accept .* DESTFN=x\n", "p.conf:2: error: accept: DESTFN=x: a file name after the pattern names the files where they are written")]
    [InlineData("shovel", "filename WHATFN\n", "p.conf:2: error: filename: names the files where they are written")]
    [InlineData("subscribe", "header relPath=x\n", "p.conf:2: error: header: relPath is a field the flow sets")]
    public void Placement_options_a_component_cannot_apply_are_refused_with_file_and_line(string component, string line, string expected)
    {
        var ex = Assert.Throws<ConfigException>(() => Load(component, Broker + line));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rename_and_filename_None_are_no_value_as_sr3_reads_them()
    {
        var c = Load("subscribe", Broker + "rename None\nfilename None\naccept .*\n");
        Assert.Null(c.String("rename"));
        Assert.Null(Assert.Single(c.Masks).Filename);
    }

    private static async Task<List<NotificationMessage>> PostAsync(FlowConfig config, string path)
    {
        var options = ConfigMapping.Announce(config, BrokerUrl.Parse("amqp://alice@127.0.0.1:1/"));
        var list = new List<NotificationMessage>();
        await foreach (var m in new FileAnnouncer(options).AnnounceAsync([path], CancellationToken.None))
        {
            list.Add(m);
        }

        return list;
    }

    [Fact]
    public async Task Rename_on_a_post_names_the_file_where_a_subscriber_or_a_sarra_writes_it()
    {
        using var dir = new TempDirectory();
        Announced(dir, "a/c.txt");
        var post = $"post_baseUrl file://{dir.File("src")}/\npost_baseDir {dir.File("src")}\n";

        var file = Assert.Single(await PostAsync(Load("post", post + "rename newname.txt\n"), dir.File("src/a/c.txt")));
        Assert.Equal("newname.txt", file.Rename);
        Assert.Contains("\"rename\": \"newname.txt\"", System.Text.Encoding.UTF8.GetString(V03Format.EncodeBody(file)), StringComparison.Ordinal);
        var subscriber = Map(dir, "subscribe", Broker + $"directory {dir.File("out")}\n");
        Assert.Equal("newname.txt", await DownloadAsync(subscriber, file, dir.File("out")));

        var into = Assert.Single(await PostAsync(Load("post", post + "rename /renamed/\n"), dir.File("src/a/c.txt")));
        Assert.Equal("/renamed/c.txt", into.Rename);
        var sarra = Map(dir, "sarra", Broker + $"directory {dir.File("tree")}\n");
        Assert.Equal("renamed/c.txt", await DownloadAsync(sarra, into, dir.File("tree")));
    }

    [Fact]
    public async Task Rename_on_a_poll_is_the_rename_field_of_what_it_announces()
    {
        using var dir = new TempDirectory();
        Announced(dir, "obs/ripe.txt");
        File.SetLastWriteTimeUtc(dir.File("src/obs/ripe.txt"), DateTime.UtcNow.AddMinutes(-10));
        var config = Load("poll", $"pollUrl file://{dir.File("src")}/\npath obs\nrename /in/\n");
        var options = ConfigMapping.Poll(config, CredentialStore.Empty, BrokerUrl.Parse("amqp://alice@127.0.0.1:1/"), TransferRegistry.CreateDefault());
        await using var poll = new PollInput(options, NullLogger.Instance, new FakeTimeProvider(DateTimeOffset.UtcNow));
        var m = Assert.Single(await poll.ReceiveAsync(100, TimeSpan.Zero, CancellationToken.None)).Message;
        Assert.Equal("/in/ripe.txt", m.Rename);
    }

    [Fact]
    public async Task Headers_go_into_the_messages_a_post_or_watch_builds_and_those_a_subscribing_flow_or_poll_handles()
    {
        using var dir = new TempDirectory();
        Announced(dir, "a/c.txt");
        var posted = Assert.Single(await PostAsync(Load("post", $"post_baseUrl http://h/\nheader origin=lab\nheader to_clusters=DDSR\nheader origin=field\n"), dir.File("src/a/c.txt")));
        Assert.Equal("field", posted.FindHeader("origin")?.StringValue);
        Assert.Equal("DDSR", posted.ToClusters);
        Assert.Contains("\"origin\": \"field\"", System.Text.Encoding.UTF8.GetString(V03Format.EncodeBody(posted)), StringComparison.Ordinal);

        var shovel = Map(dir, "shovel", Broker + "header origin=lab\n");
        var item = new FlowMessage(new NotificationMessage("20260102T030405", "http://h/", "a/c.txt"));
        Assert.True(shovel.Filter!(item).Accepted);
        Assert.Equal("lab", item.Message.FindHeader("origin")?.StringValue);

        var poll = ConfigMapping.Filter(Load("poll", "pollUrl file:///x/\nheader origin=poll\n"), null, TimeProvider.System);
        var polled = new FlowMessage(new NotificationMessage("20260102T030405", "http://h/", "a/c.txt"));
        Assert.True(poll(polled).Accepted);
        Assert.Equal("poll", polled.Message.FindHeader("origin")?.StringValue);
    }

    private static string? SourceAfter(TempDirectory dir, string text, string? exchange, string? source)
    {
        var item = new FlowMessage(new NotificationMessage("20260102T030405", "http://h/", "a/c.txt") { Source = source }) { Exchange = exchange };
        Assert.True(Map(dir, "shovel", text).Filter!(item).Accepted);
        return item.Message.Source;
    }

    [Fact]
    public void A_received_messages_source_is_the_flows_user_unless_sourceFromExchange_or_sourceFromMessage_say_otherwise()
    {
        using var dir = new TempDirectory();
        const string feeder = "broker amqp://feeder@127.0.0.1:1/\n";
        const string posting = "post_broker amqp://pfeed@127.0.0.1:1/\npost_exchange xpublic\n";

        Assert.Equal("feeder", SourceAfter(dir, feeder, "xs_alice", "mallory"));
        Assert.Equal("pfeed", SourceAfter(dir, feeder + posting, "xs_alice", "mallory"));
        Assert.Equal("chosen", SourceAfter(dir, feeder + "source chosen\nsourceFromExchange on\n", "xs_alice", "mallory"));
        Assert.Equal("alice", SourceAfter(dir, feeder + posting + "sourceFromExchange on\n", "xs_alice_output", "mallory"));
        Assert.Null(SourceAfter(dir, feeder + "sourceFromExchange on\n", "xpublic", "mallory"));
        Assert.Equal("mallory", SourceAfter(dir, feeder + "sourceFromMessage on\n", "xs_alice", "mallory"));
        Assert.Equal("feeder", SourceAfter(dir, feeder + "sourceFromMessage on\n", "xs_alice", null));

        // Not from a broker (the retry queue, a poll): left as it is.
        Assert.Equal("mallory", SourceAfter(dir, feeder, null, "mallory"));
    }
}
