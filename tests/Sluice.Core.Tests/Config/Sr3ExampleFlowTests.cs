using Sluice.Core.Components;
using Sluice.Core.Config;

namespace Sluice.Core.Tests.Config;

/// <summary>
/// Every example configuration shipped with sr3 (tests/fixtures/sr3-configs, every component) is built into a flow's
/// configuration, not only read: it builds, or fails with a reason at <c>file:line</c> that names what the site must
/// supply (a server, a credential, a variable) or a callback of sr3's that Sluice refuses, saying what to use instead.
/// Never an unknown option or an unknown callback. No connection is opened.
/// </summary>
public class Sr3ExampleFlowTests
{
    /// <summary>How an example ends when built: <see cref="Builds"/>, or the kinds of its errors.</summary>
    [Flags]
    public enum Outcome
    {
        /// <summary>A flow configuration is made.</summary>
        Builds = 0,

        /// <summary>No broker, post_broker, pollUrl, sendTo or post_baseUrl (at file:0: nothing names it): the site gives its server.</summary>
        NoServer = 1,

        /// <summary>An option's value has a <c>${VARIABLE}</c> with no value, at the option's line.</summary>
        Variable = 2,

        /// <summary>sr3 callbacks that Sluice refuses, at their lines, each saying what to use instead.</summary>
        Refused = 4,
    }

    /// <summary>
    /// The expected outcome of each example (relative to the fixtures). A change is a regression, or an improvement to
    /// write down here.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, (Outcome Outcome, string[] UnknownOptions)> Expected = new Dictionary<string, (Outcome, string[])>
    {
        ["block_reassembly.inc"] = (Outcome.NoServer, []),
        ["cpump/cno_trouble_f00.inc"] = (Outcome.NoServer, []),
        ["flow/amserver.conf"] = (Outcome.NoServer | Outcome.Refused, ["AllowIPs"]),
        ["flow/bc_trans.conf"] = (Outcome.NoServer | Outcome.Refused, []),
        ["flow/opg.conf"] = (Outcome.NoServer | Outcome.Refused, ["wiski_ts_length", "wiski_ts_name"]),
        ["flow/poll.inc"] = (Outcome.NoServer, []),
        ["flow/post.inc"] = (Outcome.NoServer | Outcome.Refused, ["part_ext", "partflg"]),
        ["flow/report.inc"] = (Outcome.NoServer, []),
        ["flow/sarra.inc"] = (Outcome.NoServer, []),
        ["flow/scheduled_aviation_wind_fax_charts.conf"] = (Outcome.NoServer | Outcome.Refused, []),
        ["flow/sender.inc"] = (Outcome.NoServer, []),
        ["flow/shovel.inc"] = (Outcome.NoServer, []),
        ["flow/subscribe.inc"] = (Outcome.NoServer, []),
        ["flow/watch.inc"] = (Outcome.NoServer | Outcome.Refused, ["part_ext", "partflg"]),
        ["flow/winnow.inc"] = (Outcome.NoServer, []),
        ["poll/airnow.conf"] = (Outcome.Refused, []),
        ["poll/aws-nexrad.conf"] = (Outcome.Variable | Outcome.Refused, []),
        ["poll/copernicus_odata.conf"] = (Outcome.Refused, ["post_urlTemplate", "dataCollection", "timeNowMinus"]),
        ["poll/mail.conf"] = (Outcome.Variable | Outcome.Refused, []),
        ["poll/nasa-mls-nrt.conf"] = (Outcome.Refused, ["get"]),
        ["poll/nasa_cmr_opendap.conf"] = (Outcome.Refused, ["collectionConceptId", "pageSize", "dataSource", "dap_urlExtension", "dap_fileType", "timeNowMinus"]),
        ["poll/nasa_cmr_other.conf"] = (Outcome.Refused, ["collectionConceptId", "pageSize", "dataSource", "relatedUrl_type", "relatedUrl_descriptionContains", "relatedUrl_urlContains", "timeNowMinus"]),
        ["poll/nasa_cmr_podaac.conf"] = (Outcome.Refused, ["collectionConceptId", "pageSize", "dataSource", "timeNowMinus"]),
        ["poll/noaa.conf"] = (Outcome.Variable | Outcome.Refused, []),
        ["poll/soapshc.conf"] = (Outcome.Variable | Outcome.Refused, ["poll_shc_soap_deltat"]),
        ["poll/usgs.conf"] = (Outcome.Variable | Outcome.Refused, []),
        ["post/WMO_mesh_post.conf"] = (Outcome.Builds, []),
        ["sarra/bc_trans.conf"] = (Outcome.Refused, []),
        ["sarra/wmo_mesh.conf"] = (Outcome.Builds, []),
        ["sender/am_send.conf"] = (Outcome.Refused, ["MaxBulLen"]),
        ["sender/ec2collab.conf"] = (Outcome.Variable, []),
        ["sender/pitcher_push.conf"] = (Outcome.Variable, []),
        ["shovel/no_trouble_f00.inc"] = (Outcome.NoServer, []),
        ["subscribe/aws-nexrad.conf"] = (Outcome.Variable, []),
        ["subscribe/dd_2mqtt.conf"] = (Outcome.Builds, []),
        ["subscribe/dd_all.conf"] = (Outcome.Builds, []),
        ["subscribe/dd_amis.conf"] = (Outcome.Builds, []),
        ["subscribe/dd_aqhi.conf"] = (Outcome.Builds, []),
        ["subscribe/dd_cacn_bulletins.conf"] = (Outcome.Builds, []),
        ["subscribe/dd_citypage.conf"] = (Outcome.Builds, []),
        ["subscribe/dd_cmml.conf"] = (Outcome.Builds, []),
        ["subscribe/dd_gdps.conf"] = (Outcome.Builds, []),
        ["subscribe/dd_radar.conf"] = (Outcome.Builds, []),
        ["subscribe/dd_rdps.conf"] = (Outcome.Builds, ["director"]),
        ["subscribe/dd_swob.conf"] = (Outcome.Builds, []),
        ["subscribe/ddc_cap-xml.conf"] = (Outcome.Builds, []),
        ["subscribe/ddc_normal.conf"] = (Outcome.Builds, []),
        ["subscribe/download_all_nasa_earthdata.conf"] = (Outcome.Refused, []),
        ["subscribe/downloademail.conf"] = (Outcome.Variable | Outcome.Refused, []),
        ["subscribe/ec_ninjo-a.conf"] = (Outcome.Builds, []),
        ["subscribe/get_copernicus.conf"] = (Outcome.Refused, []),
        ["subscribe/hpfxWIS2DownloadAll.conf"] = (Outcome.Builds, []),
        ["subscribe/hpfx_amis.conf"] = (Outcome.Builds, []),
        ["subscribe/hpfx_citypage.conf"] = (Outcome.Builds, []),
        ["subscribe/local_sub.conf"] = (Outcome.Builds, []),
        ["subscribe/ping.conf"] = (Outcome.NoServer, []),
        ["subscribe/pitcher_pull.conf"] = (Outcome.Variable, []),
        ["subscribe/sci2ec.conf"] = (Outcome.Variable, ["url"]),
        ["subscribe/subnoaa.conf"] = (Outcome.Variable | Outcome.Refused, []),
        ["subscribe/subsoapshc.conf"] = (Outcome.Variable | Outcome.Refused, []),
        ["subscribe/subusgs.conf"] = (Outcome.Variable | Outcome.Refused, []),
        ["watch/master.conf"] = (Outcome.Builds, []),
        ["watch/pitcher_client.conf"] = (Outcome.Variable, []),
        ["watch/pitcher_server.conf"] = (Outcome.Variable, []),
        ["watch/sci2ec.conf"] = (Outcome.NoServer | Outcome.Variable, ["url"]),
    };

    public static TheoryData<string> ExampleFiles() => Sr3ExampleConfigTests.ExampleFiles();

    /// <summary>The component an example is for: its directory; sr3's cpump is its shovel written in C.</summary>
    private static string ComponentOf(string relative) => Path.GetDirectoryName(relative) switch
    {
        "cpump" => "shovel",
        { Length: > 0 } dir when SluicePaths.Components.Contains(dir) => dir,
        _ => "subscribe",
    };

    /// <summary>
    /// Builds a flow's configuration with the flow builder, as the daemon, <c>foreground</c> and <c>sluice post</c> do
    /// (everything short of connecting to its servers).
    /// </summary>
    /// <exception cref="ConfigException">The configuration cannot make a flow.</exception>
    internal static void BuildFlowConfiguration(FlowConfig config, SluicePaths paths, CredentialStore credentials)
    {
        if (!FlowBuilder.Components.Contains(config.Component))
        {
            throw new InvalidOperationException($"no flow is built for the {config.Component} component");
        }

        new FlowBuilder(paths, credentials, Sluice.Daemon.Adapters.Create()).Validate(config);
    }

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void Every_sr3_example_configuration_builds_a_flow_or_says_what_the_site_must_supply(string relative)
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(Fixtures.Sr3Configs, relative);
        var component = ComponentOf(relative);
        var context = new Variables.Context(TimeProvider.System, new Dictionary<string, string> { ["HOME"] = "/home/operator" });
        var config = ConfigLoader.LoadFile(component, path, context, Fixtures.Sr3Configs);

        var paths = new SluicePaths(dir.File("config"), dir.File("state"));
        ConfigException? failure = null;
        try
        {
            BuildFlowConfiguration(config, paths, CredentialStore.Empty);
        }
        catch (ConfigException ex)
        {
            failure = ex;
        }

        var outcome = failure is null ? Outcome.Builds : Classify(failure);
        Assert.True(Expected.TryGetValue(relative.Replace('\\', '/'), out var expected), $"{relative}: not in the table; it came out {outcome} [{string.Join(",", config.Warnings.Where(w => w.Message.StartsWith("unknown option", StringComparison.Ordinal)).Select(w => w.Message.Split(' ')[2]).Distinct())}]: {failure?.Message}");
        Assert.True(expected.Outcome == outcome, $"{relative}: expected {expected.Outcome}, came out {outcome}: {failure?.Message}");

        // Options sr3 does not know either (its own examples' leftovers), or those of a callback Sluice refuses: warnings.
        var unknown = config.Warnings.Where(w => w.Message.StartsWith("unknown option", StringComparison.Ordinal)).Select(w => w.Message.Split(' ')[2]).Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(expected.UnknownOptions.Order(StringComparer.Ordinal), unknown);
    }

    /// <summary>What a failure is about, each error at the example's own file (or one it includes); any other kind of error fails the test.</summary>
    private static Outcome Classify(ConfigException failure)
    {
        var outcome = Outcome.Builds;
        string[] servers = ["no broker", "needs a post_broker", "needs a pollUrl", "no sendTo", "needs a post_baseUrl"];
        foreach (var e in failure.Errors)
        {
            Assert.StartsWith(Fixtures.Sr3Configs, e.File, StringComparison.Ordinal);
            if ((e.Message.Contains("not supported by Sluice", StringComparison.Ordinal) || e.Message.Contains("a v2 plugin, which Sluice does not run", StringComparison.Ordinal)) && e.Line > 0)
            {
                outcome |= Outcome.Refused;
            }
            else if (e.Message.Contains("has a variable with no value", StringComparison.Ordinal) && e.Line > 0)
            {
                outcome |= Outcome.Variable;
            }
            else if (servers.Any(s => e.Message.Contains(s, StringComparison.Ordinal)))
            {
                outcome |= Outcome.NoServer;
            }
            else
            {
                Assert.Fail($"{e}: neither a missing server, a variable with no value nor a refused callback");
            }
        }

        return outcome;
    }
}
