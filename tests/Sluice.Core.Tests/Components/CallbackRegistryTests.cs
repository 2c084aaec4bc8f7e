using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Components;
using Sluice.Core.Config;
using Sluice.Core.Flows;
using Sluice.Core.Formats;
using Sluice.Core.Messages;
using Sluice.Core.Tests.Flows;

namespace Sluice.Core.Tests.Components;

/// <summary>sr3's callback names: each one known to Sluice (the engine's work, a Sluice callback, or refused with what to use instead), errors at the callback's line.</summary>
public class CallbackRegistryTests
{
    /// <summary>The modules under sarracenia/flowcb/ in sr3 3.00.56 (without __init__ but for the packages that are callbacks themselves).</summary>
    private static readonly string[] Sr3FlowCallbacks =
    [
        "accept.bc_trans", "accept.dateappend", "accept.delete", "accept.distbydir", "accept.downloadbaseurl", "accept.hourtree",
        "accept.httptohttps", "accept.longflow", "accept.pathreplace", "accept.posthourtree", "accept.postoverride", "accept.printlag",
        "accept.rename4jicc", "accept.renamedmf", "accept.renamewhatfn", "accept.save", "accept.sftp_absolute", "accept.speedo",
        "accept.sundewpxroute", "accept.testretry", "accept.toclusters", "accept.tolocalfile", "accept.trim_legacy_fields",
        "accept.wmotypesuffix", "authenticate.bc_trans", "authenticate.copernicus", "authenticate.eumetsat", "authenticate.nasa_earthdata",
        "block_reassembly", "clamav", "destfn.replace", "destfn.sample", "download.mail_ingest", "filter.deleteflowfiles", "filter.fdelay",
        "filter.geometry", "filter.pclean_f90", "filter.pclean_f92", "filter.wmo00_accumulate", "filter.wmo00_split", "filter.wmo2msc",
        "gather.am", "gather.file", "gather.message", "housekeeping.resources", "log", "mdelaylatest", "nodupe", "nodupe.data", "nodupe.disk",
        "nodupe.name", "nodupe.redis", "pclean", "poll", "poll.airnow", "poll.copernicus_marine_s3", "poll.eumetsat", "poll.mail",
        "poll.nasa_cmr", "poll.nasa_mls_nrt", "poll.nexrad", "poll.noaa_hydrometric", "poll.odata", "poll.rate_limit", "poll.s3bucket",
        "poll.usgs", "post.message", "rename.raw2bulletin", "report", "retry", "rootchown", "run", "rxqueue_gzip", "sample", "scheduled",
        "scheduled.http_with_metadata", "scheduled.poll", "scheduled.wiski", "send.am", "send.email", "send.s3CloudSender",
        "shiftdir2baseurl", "trace_on_stop", "v2wrapper", "wistree", "work.age", "work.check", "work.citypage_check", "work.delete",
        "work.rxpipe", "work.send_egc_les",
    ];

    private static ConfigException Refusal(string component, string text) =>
        Assert.Throws<ConfigException>(() => ConfigException.ThrowIfAny(new CallbackRegistry().Errors(ConfigLoader.LoadText(component, "x", text))));

    [Fact]
    public void Every_sr3_callback_is_known_and_each_refusal_says_what_instead_at_its_line()
    {
        Assert.Equal(Sr3FlowCallbacks.Order(StringComparer.Ordinal), Sr3Callbacks.All.Keys.Where(k => k != "gather.usgs").Order(StringComparer.Ordinal));
        foreach (var name in Sr3FlowCallbacks)
        {
            var known = Sr3Callbacks.All[name];
            var component = known.Components?.First() ?? "subscribe";
            var text = $"broker mqtt://127.0.0.1:1/\ncluster here\nrun_start /bin/true\n\ncallback {name}\n";
            var errors = new CallbackRegistry().Errors(ConfigLoader.LoadText(component, "x", text));
            if (known.Kind == Sr3CallbackKind.Refused)
            {
                var error = Assert.Single(errors);
                Assert.Equal(5, error.Line);
                Assert.Contains($"callback {name}: sr3's callback {name} is not supported by Sluice: ", error.Message, StringComparison.Ordinal);
                Assert.True(error.Message.Length > 80, error.Message);
            }
            else
            {
                Assert.Empty(errors);
            }
        }
    }

    [Fact]
    public void An_unknown_callback_is_an_error_at_its_line_in_the_file_that_names_it()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("site.inc"), "# a site's callbacks\n\ncallback site.mine\n");
        var config = ConfigLoader.LoadText("subscribe", "x", "broker mqtt://127.0.0.1:1/\ninclude site.inc\ncallback log\n", directory: dir.Path);
        var paths = new SluicePaths(dir.File("config"), dir.File("state"));
        var ex = Assert.Throws<ConfigException>(() => ConfigMapping.ToSettings(config, paths, CredentialStore.Empty, 1));
        var error = Assert.Single(ex.Errors);
        Assert.Equal((dir.File("site.inc"), 3), (error.File, error.Line));
        Assert.StartsWith("unknown callback 'site.mine'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_callback_that_only_belongs_in_another_component_is_refused_there()
    {
        var error = Assert.Single(Refusal("subscribe", "broker mqtt://127.0.0.1:1/\ncallback gather.file\n").Errors);
        Assert.Equal(2, error.Line);
        Assert.Contains("in a subscribe: Sluice reads a directory tree only in a watch", error.Message, StringComparison.Ordinal);
        Assert.Single(Refusal("shovel", "broker mqtt://127.0.0.1:1/\ncallback_prepend block_reassembly\n").Errors);
        Assert.Empty(new CallbackRegistry().Errors(ConfigLoader.LoadText("watch", "x", "callback gather.file\ncallback post.message\n")));
    }

    [Fact]
    public void Sr3s_spellings_of_a_name_are_the_same_callback()
    {
        Assert.Equal("accept.toclusters", CallbackRegistry.Normalize("sarracenia.flowcb.accept.toclusters.ToClusters"));
        Assert.Equal("poll.noaa_hydrometric", CallbackRegistry.Normalize("poll.noaa_hydrometric.py"));
        Assert.Equal("block_reassembly", CallbackRegistry.Normalize("flowcb.block_reassembly.Block_reassembly"));
        var config = ConfigLoader.LoadText("subscribe", "x", "broker mqtt://127.0.0.1:1/\nmsgToClusters A\nflowcb sarracenia.flowcb.accept.toclusters.ToClusters\n");
        var (callbacks, errors) = new CallbackRegistry().Resolve(new CallbackContext(config, Path.GetTempPath()));
        Assert.Empty(errors);
        Assert.IsType<ToClustersCallback>(Assert.Single(callbacks));
    }

    [Fact]
    public void A_registry_of_its_own_knows_what_is_registered_in_it_and_a_new_one_does_not()
    {
        using var dir = new TempDirectory();
        var registry = new CallbackRegistry();
        var made = new List<string>();
        registry.Register("site.mine", context =>
        {
            made.Add(context!.Config.FullName);
            return new ToClustersCallback(new HashSet<string>(["A"]));
        });
        var config = ConfigLoader.LoadText("subscribe", "x", "broker mqtt://127.0.0.1:1/\ncallback site.mine\n");
        var paths = new SluicePaths(dir.File("config"), dir.File("state"));
        var settings = ConfigMapping.ToSettings(config, paths, CredentialStore.Empty, 1, callbackRegistry: registry);
        Assert.IsType<ToClustersCallback>(Assert.Single(settings.Callbacks));
        Assert.Equal(["subscribe/x"], made);
        Assert.Throws<ConfigException>(() => ConfigMapping.ToSettings(config, paths, CredentialStore.Empty, 1));
    }

    [Fact]
    public void Accept_toclusters_without_the_pumps_names_is_an_error_at_the_callback_line()
    {
        var error = Assert.Single(Refusal("sarra", "broker mqtt://127.0.0.1:1/\n\ncallback accept.toclusters\n").Errors);
        Assert.Equal(3, error.Line);
        Assert.Contains("msgToClusters", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("msgToClusters DDI\nmsgToClusters DD\n")]
    [InlineData("msgToClusters DDI,DD\n")]
    [InlineData("cluster DD\n")]
    public async Task Accept_toclusters_lets_through_only_what_is_routed_to_this_pump(string names)
    {
        using var dir = new TempDirectory();
        var config = ConfigLoader.LoadText("shovel", "route", $"broker mqtt://127.0.0.1:1/\n{names}callback accept.toclusters\n");
        var settings = ConfigMapping.ToSettings(config, new SluicePaths(dir.File("config"), dir.File("state")), CredentialStore.Empty, 1);
        var input = new MemoryInput();
        var routes = new Dictionary<string, string?> { ["a"] = "DD", ["b"] = "DDSR", ["c"] = "DDSR, DD", ["d"] = null, ["e"] = "DDI", ["f"] = "DDX" };
        foreach (var (name, to) in routes)
        {
            input.Add(new NotificationMessage(SrTime.Format(DateTimeOffset.UtcNow), "http://pump/", "data/" + name) { ToClusters = to });
        }

        var output = new MemoryOutput();
        await using var flow = new Flow(settings.Flow with { ReceiveWait = TimeSpan.FromMilliseconds(10) }, input, null, output, NullLogger.Instance, null, settings.Filter, settings.Callbacks);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await flow.RunAsync(timeout.Token);

        var expected = names.StartsWith("cluster", StringComparison.Ordinal) ? new[] { "data/a", "data/c" } : ["data/a", "data/c", "data/e"];
        Assert.Equal(expected, output.Published.Select(m => m.RelPath).Order(StringComparer.Ordinal));
        Assert.Equal(routes.Count - expected.Length, flow.Metrics.Rejected);
        Assert.Equal(routes.Count, input.Acked.Count);
    }
}
