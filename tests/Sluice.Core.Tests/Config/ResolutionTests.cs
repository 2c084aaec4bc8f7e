using Sluice.Core.Config;

namespace Sluice.Core.Tests.Config;

/// <summary>A representative dozen of sr3's example configurations resolve to the values sr3 gives them.</summary>
public class ResolutionTests
{
    private static FlowConfig Load(string relative) => Sr3ExampleConfigTests.Load(relative);

    [Fact]
    public void Dd_swob_subscribes_to_swob_observations_on_the_datamart()
    {
        var c = Load("subscribe/dd_swob.conf");
        Assert.Equal("amqps://dd.weather.gc.ca/", c.String("broker"));
        Assert.Equal([new BindingConfig("xpublic", "v02.post", "observations.swob-ml.#")], c.Bindings);
        Assert.Equal(2, c.Count("instances"));
        Assert.Equal(TimeSpan.FromMinutes(10), c.Duration("expire"));
        Assert.Equal("/tmp/dd_swob", c.String("directory"));
        Assert.False(c.Flag("mirror"));
        Assert.True(c.Flag("download"));
        Assert.Equal("sha512", c.String("identity"));
    }

    [Fact]
    public void Hpfx_amis_binds_with_a_wildcard_and_does_not_mirror()
    {
        var c = Load("subscribe/hpfx_amis.conf");
        Assert.Equal([new BindingConfig("xpublic", "v02.post", "*.WXO-DD.bulletins.alphanumeric.#")], c.Bindings);
        Assert.Equal(5, c.Count("instances"));
        Assert.False(c.Flag("mirror"));
        Assert.Equal("/tmp/hpfx_amis/", c.String("directory"));
    }

    [Fact]
    public void Ddc_normal_rejects_cap_alerts_with_the_mirror_directory_in_force()
    {
        var c = Load("subscribe/ddc_normal.conf");
        var mask = Assert.Single(c.Masks);
        Assert.False(mask.Accept);
        Assert.Equal(".*alerts/cap.*", mask.Pattern);
        Assert.True(c.Flag("mirror"));
        Assert.Equal("/home/operator/datamartclone", c.String("directory"));
        Assert.Equal([new BindingConfig("xpublic", "v02.post", "*/alerts/cap/")], c.Bindings);
    }

    [Fact]
    public void Local_sub_turns_download_off_and_keeps_the_log_callback()
    {
        var c = Load("subscribe/local_sub.conf");
        Assert.Equal("amqp://tsub@localhost", c.String("broker"));
        Assert.Equal([new BindingConfig("xpublic", "v03.post", "#")], c.Bindings);
        Assert.False(c.Flag("download"));
        Assert.Equal(["log"], c.Callbacks);
        Assert.True(c.Flag("mirror"));
    }

    [Fact]
    public void Dd_2mqtt_reposts_the_datamart_feed_to_mqtt()
    {
        var c = Load("subscribe/dd_2mqtt.conf");
        Assert.Equal("mqtt://tsource@localhost", c.String("post_broker"));
        Assert.Equal("xpublic", c.String("post_exchange"));
        Assert.Equal("v03", c.String("post_topicPrefix"));
        Assert.Equal([new BindingConfig("xpublic", "v02.post", "bulletins.#")], c.Bindings);
    }

    [Fact]
    public void Bc_trans_sarra_resolves_its_queue_name_template_and_nodupe()
    {
        var c = Load("sarra/bc_trans.conf");
        Assert.Equal("q_PROVINCIAL_sarra_bc_trans.ddsr-shared", c.String("queueName"));
        Assert.Equal("xs_PROVINCIAL", c.String("exchange"));
        Assert.Equal([new BindingConfig("xs_PROVINCIAL", "v03", "api.v1.motisite.report7100.#")], c.Bindings);
        Assert.Equal("amqp://feeder@localhost/", c.String("post_broker"));
        Assert.Equal("xpublic", c.String("post_exchange"));
        Assert.Equal(TimeSpan.FromSeconds(300), c.Duration("nodupe_ttl"));
        Assert.Equal("path", c.String("nodupe_basis"));
        Assert.False(c.Flag("acceptUnmatched"));
        Assert.Equal(".tmp", c.String("inflight"));
        var mask = Assert.Single(c.Masks);
        Assert.True(mask.Accept);
        Assert.Equal("/tmp/${%Y%m%d}/${SOURCE}/AIRNOW/CSV/RWIN/${%H}", mask.Directory);
        Assert.Equal(["authenticate.bc_trans", "accept.bc_trans"], c.Callbacks);
    }

    [Fact]
    public void Wmo_mesh_sarra_uses_declared_environment_and_legacy_post_url()
    {
        var c = Load("sarra/wmo_mesh.conf");
        Assert.Equal("amqps://hpfx.collab.science.gc.ca", c.String("broker"));
        Assert.Equal("xs_pas037_wmosketch_public", c.String("exchange"));
        Assert.Equal("http://blacklab:8080", c.String("post_baseUrl"));
        Assert.Equal("/home/peter/WMO_Sketch", c.String("post_baseDir"));
        Assert.Equal("amqp://tfeed@localhost", c.String("post_broker"));
        Assert.Equal(5, c.Count("instances"));
        Assert.False(c.Flag("timeCopy"));
        Assert.True(c.Flag("mirror"));
        Assert.Equal("/home/peter/WMO_Sketch", Assert.Single(c.Masks).Directory);
    }

    [Fact]
    public void Winnow_defaults_to_a_five_minute_nodupe()
    {
        var c = Load("flow/winnow.inc");
        Assert.Equal(TimeSpan.FromSeconds(300), c.Duration("nodupe_ttl"));
        Assert.True(c.Flag("acceptUnmatched"));
    }

    [Fact]
    public void Shovel_include_is_an_ordered_list_of_rejects()
    {
        var c = Load("shovel/no_trouble_f00.inc");
        Assert.Equal(12, c.Masks.Count);
        Assert.All(c.Masks, m => Assert.False(m.Accept));
        Assert.Equal(".*/\\.tar", c.Masks[0].Pattern);
    }

    [Fact]
    public void Wmo_mesh_post_names_where_files_are_served_from()
    {
        var c = Load("post/WMO_mesh_post.conf");
        Assert.Equal("amqp://tfeed@localhost", c.String("post_broker"));
        Assert.Equal("http://blacklab:8000/", c.String("post_baseUrl"));
        Assert.Equal("/var/www/html", c.String("post_baseDir"));
        Assert.Equal("v03.post", c.String("post_topicPrefix"));
    }

    [Fact]
    public void Watch_master_reads_legacy_names_and_pipe_separated_events()
    {
        var c = Load("watch/master.conf");
        Assert.Equal(0, c.Count("blockSize"));
        Assert.Equal(["/home/user/public_html"], c.List("path"));
        Assert.Equal(["create", "delete", "link", "modify"], c.List("fileEvents"));
        Assert.Equal(TimeSpan.FromSeconds(5), c.Duration("sleep"));
        Assert.Equal("broker", c.String("to_clusters"));
        Assert.Equal([new KeyValuePair<string, string>("printer", "MyPrinter")], c.Headers);
        Assert.Equal("sha512", c.String("identity"));
    }

    [Fact]
    public void Noaa_poll_takes_the_poll_defaults()
    {
        var c = Load("poll/noaa.conf");
        Assert.Equal("cod,sha512", c.String("identity"));
        Assert.Equal(TimeSpan.FromSeconds(360), c.Duration("sleep"));
        Assert.Equal("xs_tsource", c.String("post_exchange"));
        Assert.Equal(TimeSpan.FromDays(30), c.Duration("fileAgeMax"));
    }
}
