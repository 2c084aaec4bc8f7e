using Microsoft.Extensions.Time.Testing;
using Sluice.Core.Config;

namespace Sluice.Core.Tests.Config;

public class ConfigLanguageTests
{
    private static FlowConfig Text(string text, string component = "subscribe") =>
        ConfigLoader.LoadText(component, "t", text, new Variables.Context(TimeProvider.System, new Dictionary<string, string>()));

    [Theory]
    [InlineData("batch 10", "batch", 10L)]
    [InlineData("batch 2k", "batch", 2000L)]
    [InlineData("bufSize 1m", "bufSize", 1_000_000L)]
    [InlineData("bufSize 1mb", "bufSize", 1_048_576L)]
    [InlineData("blockSize 10ki", "blockSize", 10_240L)]
    [InlineData("inlineByteMax 4g", "inlineByteMax", 4_000_000_000L)]
    public void Counts_and_sizes_take_sr3_suffixes(string line, string option, long expected) =>
        Assert.Equal(expected, Text(line).Count(option));

    [Theory]
    [InlineData("expire 90", 90)]
    [InlineData("expire 5m", 300)]
    [InlineData("expire 1.5h", 5400)]
    [InlineData("expire 2d", 172800)]
    [InlineData("expire 1w", 604800)]
    [InlineData("nodupe_ttl on", 300)]
    [InlineData("nodupe_ttl off", 0)]
    public void Durations_take_s_m_h_d_w(string line, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), Text(line).Duration(line.Split(' ')[0]));

    [Theory]
    [InlineData("mirror", true)]
    [InlineData("mirror on", true)]
    [InlineData("mirror yes", true)]
    [InlineData("mirror True", true)]
    [InlineData("mirror off", false)]
    [InlineData("mirror no", false)]
    [InlineData("mirror false", false)]
    public void Flags_are_bare_or_on_off_yes_no_true_false(string line, bool expected) =>
        Assert.Equal(expected, Text(line).Flag("mirror"));

    [Fact]
    public void Octal_float_list_and_set_options_are_read()
    {
        var c = Text("permDefault 644\nmessageRateMax 2.5\npath /a,/b\npath /c\nfileEvents -delete,-rmdir\nlogEvents all", "watch");
        Assert.Equal(420, c.Octal("permDefault"));
        Assert.Equal(2.5, c.Float("messageRateMax"));
        Assert.Equal(["/a", "/b", "/c"], c.List("path"));
        Assert.Equal(["create", "link", "mkdir", "modify"], c.List("fileEvents"));
        Assert.Equal(["all"], c.List("logEvents"));
    }

    [Fact]
    public void Legacy_names_map_to_todays_options()
    {
        var c = Text("sum d\npost_exchange_split 3\nqueue_name q_x\nchmod 600\ninstance 4");
        Assert.Equal("md5", c.String("identity"));
        Assert.Equal(3, c.Count("post_exchangeSplit"));
        Assert.Equal("q_x", c.String("queueName"));
        Assert.Equal(384, c.Octal("permDefault"));
        Assert.Equal(4, c.Count("instances"));
    }

    [Fact]
    public void Every_error_of_a_file_is_reported_with_its_line()
    {
        var ex = Assert.Throws<ConfigException>(() => Text("broker amqp://u@h\nbatch lots\nexpire soon\nmirror perhaps\nidentity crc32\npermDefault 999"));
        Assert.Equal([2, 3, 4, 5, 6], ex.Errors.Select(e => e.Line));
        Assert.Contains("batch: 'lots' is not a count", ex.Message);
        Assert.Contains("t.conf:3: error: expire: 'soon' is not a duration", ex.Message);
        Assert.Contains("mirror: 'perhaps' is not on/off", ex.Message);
        Assert.Contains("unknown identity 'crc32'", ex.Message);
        Assert.Contains("not an octal permission", ex.Message);
    }

    [Fact]
    public void Unknown_options_and_v2_plugins_are_warnings()
    {
        var c = Text("frobnicate yes\non_message msg_log\nbatch 5");
        Assert.Equal(5, c.Count("batch"));
        Assert.Contains(c.Warnings, w => w.Line == 1 && w.Message.Contains("unknown option frobnicate", StringComparison.Ordinal));
        Assert.Contains(c.Warnings, w => w.Line == 2 && w.Message.Contains("v2 plugin", StringComparison.Ordinal));
    }

    [Fact]
    public void Directory_and_mirror_apply_to_the_accepts_that_follow_them()
    {
        var c = Text("directory /a\naccept .*x.*\nmirror on\ndirectory /b\naccept .*y.*\nreject .*z.*");
        Assert.Equal([("/a", false, true), ("/b", true, true), ("/b", true, false)], c.Masks.Select(m => (m.Directory, m.Mirror, m.Accept)));
    }

    [Fact]
    public void Subtopics_bind_with_the_exchange_and_prefix_in_force_where_written_and_sr3s_default_exchange()
    {
        var c = Text("broker amqp://alice@h\nsubtopic a.#\nexchange xother\ntopicPrefix v02.post\nsubtopic b.*\nexchangeSuffix feed\nsubtopic c");
        Assert.Equal(
            [new BindingConfig("xs_alice", "v03", "a.#"), new BindingConfig("xother", "v02.post", "b.*"), new BindingConfig("xother_feed", "v02.post", "c")],
            c.Bindings);
    }

    [Fact]
    public void Includes_are_relative_to_the_including_file_and_loops_are_refused()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("subscribe"));
        File.WriteAllText(dir.File("subscribe/common.inc"), "batch 7\ninclude more.inc\n");
        File.WriteAllText(dir.File("subscribe/more.inc"), "prefetch 9\n");
        File.WriteAllText(dir.File("subscribe/a.conf"), "include common.inc\nbroker amqp://u@h\n");
        var paths = new SluicePaths(dir.Path, dir.File("state"));
        var c = ConfigLoader.Load(paths, "subscribe", "a");
        Assert.Equal(7, c.Count("batch"));
        Assert.Equal(9, c.Count("prefetch"));

        File.WriteAllText(dir.File("subscribe/more.inc"), "include common.inc\n");
        var loop = Assert.Throws<ConfigException>(() => ConfigLoader.Load(paths, "subscribe", "a"));
        Assert.Contains("include loop", loop.Message);
        Assert.Contains("more.inc:1", loop.Message);

        File.WriteAllText(dir.File("subscribe/a.conf"), "include nowhere.inc\n");
        var missing = Assert.Throws<ConfigException>(() => ConfigLoader.Load(paths, "subscribe", "a"));
        Assert.Contains("a.conf:1", missing.Message);
        Assert.Contains("nowhere.inc", missing.Message);
    }

    [Fact]
    public void Variables_expand_at_a_fixed_time()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 0, 30, 0, TimeSpan.Zero));
        var context = new Variables.Context(time, new Dictionary<string, string> { ["HOME"] = "/home/op" }).With("PROGRAM", "subscribe").With("CONFIG", "c");
        Assert.Equal("/data/20260301/00", Variables.Expand("/data/${YYYYMMDD}/${HH}", context));
        Assert.Equal("20260228", Variables.Expand("${YYYYMMDD-1D}", context));
        Assert.Equal("060", Variables.Expand("${JJJ}", context));
        Assert.Equal("2026-03-01", Variables.Expand("${%Y-%m-%d}", context));
        Assert.Equal("2026022823", Variables.Expand("${%o-1h%Y%m%d%H}", context));
        Assert.Equal("/home/op/subscribe/c", Variables.Expand("${HOME}/${PROGRAM}/${CONFIG}", context));
        Assert.Equal("WXO-DD/dd", Variables.Expand("${SOURCE}/${BUPL}", context, new Variables.MessageValues("WXO-DD", "https://h/dd/")));
        Assert.Equal("${UNSET}", Variables.Expand("${UNSET}", context));
    }

    [Fact]
    public void Declare_env_sets_a_variable_for_the_lines_after_it()
    {
        var c = Text("declare env DEST=/srv/incoming\ndirectory ${DEST}/x\nbroker amqp://${WHO}@h");
        Assert.Equal("/srv/incoming/x", c.String("directory"));
        Assert.Contains(c.Warnings, w => w.Message.Contains("${WHO}", StringComparison.Ordinal));
    }
}

public class ConvertCommandTests
{
    [Fact]
    public void Convert_imports_an_sr3_tree_and_reports_what_it_could_not_carry_over()
    {
        using var dir = new TempDirectory();
        var sr3 = dir.File("sr3");
        Directory.CreateDirectory(Path.Combine(sr3, "subscribe"));
        Directory.CreateDirectory(Path.Combine(sr3, "plugins"));
        File.WriteAllText(Path.Combine(sr3, "subscribe", "a.conf"), "broker amqps://u@h/\non_message msg_log\nbatch lots\n");
        File.WriteAllText(Path.Combine(sr3, "subscribe", "common.inc"), "batch 5\n");
        File.WriteAllText(Path.Combine(sr3, "credentials.conf"), "amqps://u:p@h/\n");
        var paths = new SluicePaths(dir.File("sluice"), dir.File("state"));
        var output = new StringWriter();

        var code = Sluice.Cli.Commands.ConvertCommand.Run(new Sluice.Cli.CliContext(output, new StringWriter(), () => Stream.Null), paths, sr3, overwrite: false);

        Assert.Equal(0, code);
        Assert.True(File.Exists(dir.File("sluice/subscribe/a.conf")));
        Assert.True(File.Exists(dir.File("sluice/subscribe/common.inc")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dir.File("sluice/credentials.conf")));
        var text = output.ToString();
        Assert.Contains("a.conf:3: error: batch: 'lots' is not a count", text);
        Assert.Contains("imported 3 file(s)", text);
    }
}
