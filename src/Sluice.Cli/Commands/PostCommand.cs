using System.CommandLine;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Cli.Progress;
using Sluice.Core;
using Sluice.Core.Brokers;
using Sluice.Core.Checksums;
using Sluice.Core.Components;
using Sluice.Core.Config;
using Sluice.Core.Flows;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice post</c>: announces files and trees given on the command line, as sr3_post does.
/// </summary>
internal static class PostCommand
{
    public static Command Create(CliContext context, Func<SluicePaths> sluicePaths)
    {
        var paths = new Argument<string[]>("path") { Description = "Files or directories to announce (with -c: the configuration's path lines when none).", Arity = ArgumentArity.ZeroOrMore };
        var config = new Option<string?>("--config", "-c") { Description = "Post with a post or watch configuration (component/name): its post_broker, post_baseUrl, post_exchange, identity, blockSize, ..." };
        var baseUrl = new Option<string?>("--post_baseUrl", "--post-baseurl") { Description = "The URL the files are served under (required without -c)." };
        var baseDir = new Option<string?>("--post_baseDir", "--post-basedir") { Description = "The local directory post_baseUrl serves; relPaths are relative to it." };
        var identity = new Option<string?>("--identity") { Description = "sha512 (default), md5, sha256, sha384, cod,<alg>, random, arbitrary or none." };
        var blockSize = new Option<long>("--blockSize", "--blocksize")
        {
            Description = "1: whole files (default); 0: 50 MiB blocks; N: blocks of N bytes (a size, as in sr3: 4M, 10mb).",
            CustomParser = parsed =>
            {
                var text = parsed.Tokens.Count > 0 ? parsed.Tokens[0].Value : "1";
                if (ConfigValues.TryCount(text, out var size) && size >= 0)
                {
                    return size;
                }

                parsed.AddError($"--blockSize: '{text}' is not a size (a number with k, m or g; b for base 2)");
                return 1;
            },
        };
        var inline = new Option<bool>("--inline") { Description = "Put the content of small files in the message." };
        var inlineByteMax = new Option<long>("--inlineByteMax") { Description = "Largest file put inline (default 4096)." };
        var outlet = new Option<string>("--outlet") { Description = "json: print each message; url: print each file's URL.", DefaultValueFactory = _ => "json" };
        outlet.AcceptOnlyFromAmong("json", "url");
        var source = new Option<string?>("--source") { Description = "The source field." };
        var postBroker = new Option<string?>("--post_broker", "--post-broker") { Description = "Publish to this broker (amqp://, mqtt://); credentials.conf supplies the password." };
        var postExchange = new Option<string?>("--post_exchange", "--post-exchange") { Description = "The exchange to publish on (default xpublic)." };
        var postTopicPrefix = new Option<string?>("--post_topicPrefix", "--post-topicprefix") { Description = "Topic prefix (default: the format's, v03 or v02.post)." };
        var postFormat = new Option<string?>("--post_format", "--post-format") { Description = "v03 (default), v02 or wis." };
        postFormat.AcceptOnlyFromAmong("v03", "v02", "wis");
        var cluster = new Option<string?>("--cluster") { Description = "The from_cluster field." };

        var command = new Command("post", "Announce files and directory trees.")
        {
            paths, config, baseUrl, baseDir, identity, blockSize, inline, inlineByteMax, outlet, source, cluster, postBroker, postExchange, postTopicPrefix, postFormat,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            // An option given on the command line wins over the configuration's.
            bool Given(Option option) => result.GetResult(option) is { Implicit: false };
            FlowConfig? flowConfig = null;
            if (result.GetValue(config) is { } configName)
            {
                var parts = configName.Split('/', 2);
                if (parts.Length != 2 || parts[0] is not ("post" or "watch"))
                {
                    await context.Error.WriteLineAsync($"sluice post: -c {configName}: expected post/<name> or watch/<name>").ConfigureAwait(false);
                    return 1;
                }

                try
                {
                    flowConfig = ConfigLoader.Load(sluicePaths(), parts[0], parts[1].EndsWith(".conf", StringComparison.Ordinal) ? parts[1][..^5] : parts[1]);
                }
                catch (ConfigException ex)
                {
                    await context.Error.WriteLineAsync($"sluice post: {ex.Message}").ConfigureAwait(false);
                    return 1;
                }
            }

            var targets = result.GetValue(paths) is { Length: > 0 } given ? given : flowConfig?.List("path").ToArray() ?? [];
            if (targets.Length == 0)
            {
                await context.Error.WriteLineAsync("sluice post: no path to announce (give files or directories, or path lines in the configuration)").ConfigureAwait(false);
                return 1;
            }

            if (flowConfig is null && result.GetValue(baseUrl) is null)
            {
                await context.Error.WriteLineAsync("sluice post: --post_baseUrl is required (or -c component/name)").ConfigureAwait(false);
                return 1;
            }

            var missing = targets.Where(p => !File.Exists(p) && !Directory.Exists(p)).ToList();
            if (missing.Count > 0)
            {
                await context.Error.WriteLineAsync($"sluice post: no such file or directory: {string.Join(", ", missing)}").ConfigureAwait(false);
                return 1;
            }

            if (Given(identity))
            {
                try
                {
                    _ = IdentitySetting.Parse(result.GetValue(identity)!);
                }
                catch (FormatException ex)
                {
                    await context.Error.WriteLineAsync($"sluice post: --identity: {ex.Message}").ConfigureAwait(false);
                    return 1;
                }
            }

            // The command line's options are configuration options: they override the configuration's, and without -c
            // those of an empty post configuration (a post's defaults). The flow is then built as every flow is.
            var baseConfig = flowConfig ?? ConfigLoader.LoadText("post", "command-line", string.Empty);
            var values = new Dictionary<string, object>(baseConfig.Values, StringComparer.Ordinal);
            void Set<T>(Option<T> option, string name)
            {
                if (Given(option) && result.GetValue(option) is { } value)
                {
                    values[name] = value;
                }
            }

            Set(baseUrl, "post_baseUrl");
            Set(baseDir, "post_baseDir");
            Set(identity, "identity");
            Set(blockSize, "blockSize");
            Set(inline, "inline");
            Set(inlineByteMax, "inlineByteMax");
            Set(source, "source");
            Set(cluster, "cluster");
            Set(postBroker, "post_broker");
            Set(postExchange, "post_exchange");
            Set(postTopicPrefix, "post_topicPrefix");
            Set(postFormat, "post_format");
            var postConfig = baseConfig with { Component = "post", Values = values };
            Flow flow;
            var posted = ProgressDisplay.CountPosted();
            try
            {
                var credentials = values.ContainsKey("post_broker") ? CredentialStore.Load(sluicePaths().CredentialsFile) : CredentialStore.Empty;
                var adapters = Sluice.Daemon.Adapters.Create();
                var settings = ConfigMapping.ToSettings(postConfig, sluicePaths(), credentials, 1, postPaths: targets, adapters: adapters);
                var outletOutput = settings.PostBroker is null ? new OutletOutput(context.Out, urls: result.GetValue(outlet) == "url") : null;
                flow = await FlowBuilder.BuildAsync(settings, adapters, NullLogger.Instance, null, cancellationToken, new FlowExtras { Output = outletOutput, Callbacks = [posted] }).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is FormatException or SluiceException)
            {
                await context.Error.WriteLineAsync($"sluice post: {ex.Message}").ConfigureAwait(false);
                return 1;
            }

            await using (flow)
            {
                var progress = ProgressDisplay.IsTerminal(context) && ProgressDisplay.Measure(targets) is var (files, bytes)
                    ? ProgressDisplay.Start(context, "post", () => posted.Done, files, bytes)
                    : null;
                await using (progress)
                {
                    await flow.RunAsync(cancellationToken).ConfigureAwait(false);
                }

                if (values.GetValueOrDefault("post_broker") is string brokerText)
                {
                    await context.Error.WriteLineAsync($"sluice post: {flow.Metrics.Posted} message(s) posted to {BrokerUrl.Parse(brokerText)}").ConfigureAwait(false);
                    return flow.Metrics.Posted < flow.Metrics.Received ? 1 : 0;
                }

                return 0;
            }
        });
        return command;
    }
}
