using Sluice.Core.Components;
using Sluice.Core.Config;
using Sluice.Daemon;
using Sluice.Daemon.Supervision;

namespace Sluice.Core.Tests.Config;

/// <summary>
/// Walks sr3's option table: every option is either applied (read when a flow of some component is built from a
/// configuration that sets it, or turned by the loader into bindings, masks and the like) or listed as not applied,
/// with a reason, and then reported at its line. An option that is neither fails the test.
/// </summary>
public class OptionTableTests
{
    private const string Broker = "amqp://u@127.0.0.1:1/";

    /// <summary>Options the loader itself turns into the configuration's bindings, masks, callbacks, variables and headers.</summary>
    private static readonly HashSet<string> AppliedByTheLoader = new(StringComparer.Ordinal)
    {
        "accept", "reject", "subtopic", "include", "declare", "set", "callback", "callback_prepend", "flowCallback", "flowcb",
        "flowCallbackPrepend", "import", "header", "exchange", "exchangeSuffix", "topicPrefix", "post_exchangeSuffix", "no_download",
        "notify_only",
    };

    /// <summary>The least each component needs to be built, so that the option under test is what varies.</summary>
    private static readonly Dictionary<string, string> Minimal = new(StringComparer.Ordinal)
    {
        ["subscribe"] = $"broker {Broker}\n",
        ["sarra"] = $"broker {Broker}\npost_broker {Broker}\npost_baseUrl http://127.0.0.1:1/\n",
        ["sender"] = $"broker {Broker}\nsendTo file:///tmp/\npost_broker {Broker}\n",
        ["shovel"] = $"broker {Broker}\npost_broker {Broker}\n",
        ["winnow"] = $"broker {Broker}\npost_broker {Broker}\n",
        ["report"] = $"broker {Broker}\n",
        ["flow"] = $"broker {Broker}\n",
        ["watch"] = $"post_broker {Broker}\npost_baseUrl http://127.0.0.1:1/\npath /tmp\n",
        ["poll"] = $"post_broker {Broker}\npollUrl file:///tmp/\n",
        ["post"] = $"post_broker {Broker}\npost_baseUrl http://127.0.0.1:1/\npath /tmp\n",
        ["pump"] = $"broker {Broker}\n",
    };

    /// <summary>Lines that make a flow read the options of its callbacks (run_*, msgToClusters).</summary>
    private static readonly string[] WithCallbacks = [string.Empty, "callback run\n", "callback accept.toclusters\n"];

    /// <summary>Values the loader takes for options whose kind alone does not give one.</summary>
    private static readonly Dictionary<string, string> Samples = new(StringComparer.Ordinal)
    {
        ["identity"] = "md5",
        ["post_format"] = "v02",
        ["nodupe_basis"] = "name",
        ["broker"] = Broker,
        ["post_broker"] = Broker,
        ["report_broker"] = Broker,
        ["pollUrl"] = "file:///tmp/",
        ["sendTo"] = "file:///tmp/",
        ["filename"] = "WHATFN",
        ["flatten"] = "-",
        ["inflight"] = ".tmp",
        ["timezone"] = "UTC",
        ["tlsRigour"] = "lax",
        ["nodupe_driver"] = "disk",
        ["queueType"] = "classic",
        ["rename"] = "/renamed/",
        ["vip"] = "127.0.0.1",
        ["scheduled_hour"] = "1",
        ["scheduled_minute"] = "2",
        ["scheduled_time"] = "01:02",
        ["fileEvents"] = "create",
        ["logLevel"] = "debug",
        ["strip"] = "1",
        ["post_baseUrl"] = "http://127.0.0.1:1/",
        ["baseUrl"] = "http://127.0.0.1:1/",
        ["msgToClusters"] = "here",
    };

    [Fact]
    public void Every_sr3_option_is_applied_when_a_flow_is_built_or_listed_as_not_applied()
    {
        using var dir = new TempDirectory();
        var paths = new SluicePaths(dir.File("config"), dir.File("state"));
        var neither = new List<string>();
        foreach (var option in Options.Names.Order(StringComparer.Ordinal))
        {
            if (OptionSupport.Find(option) is { } notApplied)
            {
                Assert.False(string.IsNullOrWhiteSpace(notApplied.Reason), option);
                continue;
            }

            if (AppliedByTheLoader.Contains(option) || ReadWhenBuilt(option, paths))
            {
                continue;
            }

            neither.Add(option);
        }

        Assert.True(neither.Count == 0, $"options neither applied nor listed as not applied: {string.Join(", ", neither)}");
    }

    [Fact]
    public void The_options_Sluice_does_not_apply_are_not_read_when_a_flow_is_built()
    {
        using var dir = new TempDirectory();
        var paths = new SluicePaths(dir.File("config"), dir.File("state"));
        var read = OptionSupport.Names.Where(o => ReadWhenBuilt(o, paths)).ToList();
        Assert.True(read.Count == 0, $"listed as not applied, yet read: {string.Join(", ", read)}");
    }

    [Fact]
    public void An_option_Sluice_does_not_apply_is_reported_at_its_line_as_an_error_or_a_warning()
    {
        using var dir = new TempDirectory();
        var builder = new FlowBuilder(new SluicePaths(dir.File("config"), dir.File("state")), CredentialStore.Empty, Sluice.Daemon.Adapters.Create());
        var refusedConfig = ConfigLoader.LoadText("subscribe", "r", $"broker {Broker}\n\nauto_delete on\n");
        Assert.Contains(refusedConfig.Warnings, w => w.Line == 3 && w.Message.Contains("auto_delete", StringComparison.Ordinal));
        var refused = Assert.Throws<ConfigException>(() => builder.Validate(refusedConfig));
        var error = Assert.Single(refused.Errors);
        Assert.True(error.IsError);
        Assert.Equal(3, error.Line);
        Assert.Contains("auto_delete: not supported by Sluice: queues are durable", error.Message, StringComparison.Ordinal);

        var tuned = ConfigLoader.LoadText("subscribe", "w", $"broker {Broker}\nMemoryMax 2g\n");
        var warning = Assert.Single(tuned.Warnings, w => w.Message.Contains("MemoryMax", StringComparison.Ordinal));
        Assert.Equal(2, warning.Line);
        Assert.False(warning.IsError);
        Assert.Contains("not applied by Sluice (ignored)", warning.Message, StringComparison.Ordinal);

        // Asking for what Sluice does anyway says nothing.
        var harmless = ConfigLoader.LoadText("watch", "h", $"post_broker {Broker}\npost_baseUrl http://127.0.0.1:1/\npath /tmp\nfollow_symlinks off\nrandomize False\n");
        Assert.DoesNotContain(harmless.Warnings, w => w.Message.Contains("follow_symlinks", StringComparison.Ordinal) || w.Message.Contains("randomize", StringComparison.Ordinal));
    }

    [Fact]
    public void Show_marks_an_option_Sluice_does_not_apply_and_says_why()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("config/subscribe"));
        File.WriteAllText(dir.File("config/subscribe/m.conf"), $"broker {Broker}\nMemoryMax 2g\nbatch 10\n");
        var (code, output, error) = CliFlowTests.Process(dir.File("config"), dir.File("state"), "show", "subscribe/m");
        Assert.Equal(0, code);
        Assert.Contains("m.conf:2: warning: MemoryMax: not applied by Sluice (ignored)", error, StringComparison.Ordinal);
        var lines = output.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("MemoryMax ", StringComparison.Ordinal) && l.Contains("# not applied: Sluice does not restart flows on memory growth", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("batch ", StringComparison.Ordinal) && l.Contains("not applied", StringComparison.Ordinal));
    }

    [Fact]
    public void InlineOnly_rejects_messages_that_carry_no_content()
    {
        using var dir = new TempDirectory();
        var paths = new SluicePaths(dir.File("config"), dir.File("state"));
        var filter = ConfigMapping.ToSettings(ConfigLoader.LoadText("shovel", "i", $"broker {Broker}\npost_broker {Broker}\ninlineOnly on\n"), paths, CredentialStore.Empty, 1).Filter!;
        var bare = new Messages.NotificationMessage("20261204T000000", "http://127.0.0.1:1/", "a/bare.txt");
        var inlined = new Messages.NotificationMessage("20261204T000000", "http://127.0.0.1:1/", "a/inline.txt") { Content = new Messages.Content("utf-8", "hello") };
        Assert.False(filter(new Sluice.Core.Flows.FlowMessage(bare)).Accepted);
        Assert.True(filter(new Sluice.Core.Flows.FlowMessage(inlined)).Accepted);
        var plain = ConfigMapping.ToSettings(ConfigLoader.LoadText("shovel", "p", $"broker {Broker}\npost_broker {Broker}\n"), paths, CredentialStore.Empty, 1).Filter!;
        Assert.True(plain(new Sluice.Core.Flows.FlowMessage(bare)).Accepted);
    }

    [Fact]
    public async Task Identity_arbitrary_value_is_the_identity_a_post_announces()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("f.txt"), "content");
        var config = ConfigLoader.LoadText("post", "a", $"post_broker {Broker}\npost_baseUrl http://127.0.0.1:1/\npost_baseDir {dir.Path}\nidentity arbitrary\nidentity_arbitrary_value build-42\n");
        var announce = ConfigMapping.Announce(config, null);
        var message = Assert.Single(await new Sluice.Core.Flows.FileAnnouncer(announce).FileAsync(new FileInfo(dir.File("f.txt")), CancellationToken.None));
        Assert.Equal("arbitrary", message.Identity!.Method);
        Assert.Equal("build-42", message.Identity.Value);
    }

    [Theory]
    [InlineData("nodupe_driver redis", "nodupe_driver: not supported by Sluice: the nodupe cache is kept on disk")]
    [InlineData("queueType quorum", "queueType: not supported by Sluice: queues are RabbitMQ classic queues")]
    public void A_driver_or_queue_type_Sluice_does_not_have_stops_the_flow(string line, string expected)
    {
        using var dir = new TempDirectory();
        var config = ConfigLoader.LoadText("subscribe", "d", $"broker {Broker}\n{line}\n");
        var harmless = ConfigLoader.LoadText("subscribe", "h", $"broker {Broker}\nnodupe_driver disk\nqueueType classic\n");
        Assert.Empty(harmless.Warnings);
        new FlowBuilder(new SluicePaths(dir.File("config"), dir.File("state")), CredentialStore.Empty, Sluice.Daemon.Adapters.Create()).Validate(harmless);
        var e = Assert.Throws<ConfigException>(() => new FlowBuilder(new SluicePaths(dir.File("config"), dir.File("state")), CredentialStore.Empty, Sluice.Daemon.Adapters.Create()).Validate(config));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_v2_plugin_stops_the_flow_at_its_line_instead_of_being_ignored()
    {
        using var dir = new TempDirectory();
        var config = ConfigLoader.LoadText("subscribe", "p", $"broker {Broker}\non_message msg_log\n");
        var e = Assert.Throws<ConfigException>(() => new FlowBuilder(new SluicePaths(dir.File("config"), dir.File("state")), CredentialStore.Empty, Sluice.Daemon.Adapters.Create()).Validate(config));
        var error = Assert.Single(e.Errors);
        Assert.Equal(2, error.Line);
        Assert.Contains("a v2 plugin, which Sluice does not run", error.Message, StringComparison.Ordinal);
    }

    /// <summary>True when building a flow of some component from a configuration that sets <paramref name="option"/> reads it.</summary>
    private static bool ReadWhenBuilt(string option, SluicePaths paths)
    {
        var (_, kind) = Options.Lookup(option)!.Value;
        var value = Samples.GetValueOrDefault(option) ?? kind switch
        {
            OptionKind.Flag => "on",
            OptionKind.Count or OptionKind.Size => "2",
            OptionKind.Duration => "7",
            OptionKind.Float => "1.5",
            OptionKind.Octal => "644",
            OptionKind.Set => "x",
            _ => "x",
        };
        foreach (var ((component, minimal), callback) in Minimal.SelectMany(m => WithCallbacks.Select(c => (m, c))))
        {
            FlowConfig config;
            try
            {
                config = ConfigLoader.LoadText(component, "t", $"{minimal}{callback}{option} {value}\n", directory: paths.ConfigDirectory);
            }
            catch (ConfigException)
            {
                continue; // the option is refused in this component (by the loader, at its line)
            }

            var read = new HashSet<string>(StringComparer.Ordinal);
            using (OptionReads.Track(read))
            {
                try
                {
                    if (component == "pump")
                    {
                        _ = Daemon.Pump.PumpConfiguration.ToOptions(config, paths, CredentialStore.Empty);
                    }
                    else
                    {
                        new FlowBuilder(paths, CredentialStore.Empty, Sluice.Daemon.Adapters.Create()).Validate(config);
                    }
                }
                catch (ConfigException)
                {
                }

                // What the daemon reads for every flow: the states of sluice status and the instance's log file.
                _ = RunStateThresholds.From(config);
                _ = ConfigCatalog.LogOptions(config, "x.log");
            }

            if (read.Contains(option))
            {
                return true;
            }
        }

        return false;
    }
}
