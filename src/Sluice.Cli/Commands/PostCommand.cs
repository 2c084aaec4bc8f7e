using System.CommandLine;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Cli.Progress;
using Sluice.Core;
using Sluice.Core.Brokers;
using Sluice.Core.Checksums;
using Sluice.Core.Components;
using Sluice.Core.Config;
using Sluice.Core.Flows;
using Sluice.Core.Formats;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice post</c>: announces files and trees given on the command line, as sr3_post does.
/// </summary>
internal static class PostCommand
{
    public static Command Create(CliContext context)
    {
        var paths = new Argument<string[]>("path") { Description = "Files or directories to announce.", Arity = ArgumentArity.OneOrMore };
        var baseUrl = new Option<string>("--post_baseUrl", "--post-baseurl") { Description = "The URL the files are served under.", Required = true };
        var baseDir = new Option<string?>("--post_baseDir", "--post-basedir") { Description = "The local directory post_baseUrl serves; relPaths are relative to it." };
        var identity = new Option<string>("--identity") { Description = "sha512 (default), md5, sha256, sha384, cod,<alg>, random, arbitrary or none.", DefaultValueFactory = _ => "sha512" };
        var blockSize = new Option<long>("--blockSize", "--blocksize") { Description = "1: whole files (default); 0: 50 MiB blocks; N: blocks of N bytes.", DefaultValueFactory = _ => 1 };
        var inline = new Option<bool>("--inline") { Description = "Put the content of small files in the message." };
        var inlineByteMax = new Option<long>("--inlineByteMax") { Description = "Largest file put inline.", DefaultValueFactory = _ => 4096 };
        var outlet = new Option<string>("--outlet") { Description = "json: print each message; url: print each file's URL.", DefaultValueFactory = _ => "json" };
        outlet.AcceptOnlyFromAmong("json", "url");
        var source = new Option<string?>("--source") { Description = "The source field." };
        var postBroker = new Option<string?>("--post_broker", "--post-broker") { Description = "Publish to this broker (amqp://, mqtt://); credentials.conf supplies the password." };
        var postExchange = new Option<string>("--post_exchange", "--post-exchange") { Description = "The exchange to publish on.", DefaultValueFactory = _ => "xpublic" };
        var postTopicPrefix = new Option<string?>("--post_topicPrefix", "--post-topicprefix") { Description = "Topic prefix (default: the format's, v03 or v02.post)." };
        var postFormat = new Option<string>("--post_format", "--post-format") { Description = "v03 (default), v02 or wis.", DefaultValueFactory = _ => "v03" };
        postFormat.AcceptOnlyFromAmong("v03", "v02", "wis");
        var cluster = new Option<string?>("--cluster") { Description = "The from_cluster field." };

        var command = new Command("post", "Announce files and directory trees.")
        {
            paths, baseUrl, baseDir, identity, blockSize, inline, inlineByteMax, outlet, source, cluster, postBroker, postExchange, postTopicPrefix, postFormat,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            IdentitySetting setting;
            try
            {
                setting = IdentitySetting.Parse(result.GetValue(identity)!);
            }
            catch (FormatException ex)
            {
                await context.Error.WriteLineAsync($"sluice post: --identity: {ex.Message}").ConfigureAwait(false);
                return 1;
            }

            var missing = result.GetValue(paths)!.Where(p => !File.Exists(p) && !Directory.Exists(p)).ToList();
            if (missing.Count > 0)
            {
                await context.Error.WriteLineAsync($"sluice post: no such file or directory: {string.Join(", ", missing)}").ConfigureAwait(false);
                return 1;
            }

            var options = new AnnounceOptions
            {
                PostBaseUrl = result.GetValue(baseUrl)!,
                PostBaseDir = result.GetValue(baseDir),
                Identity = setting,
                BlockSize = result.GetValue(blockSize),
                Inline = result.GetValue(inline),
                InlineByteMax = result.GetValue(inlineByteMax),
                Source = result.GetValue(source),
                FromCluster = result.GetValue(cluster),
            };
            await using var input = new PostInput(new FileAnnouncer(options), result.GetValue(paths)!, cancellationToken: cancellationToken);
            IFlowOutput output;
            IBroker? broker = null;
            if (result.GetValue(postBroker) is { } brokerText)
            {
                Sluice.Daemon.Adapters.RegisterAll();
                try
                {
                    var credentials = CredentialStore.Load(SluicePaths.FromEnvironment().CredentialsFile);
                    broker = BrokerRegistry.Create(BrokerUrl.Parse(credentials.Complete(brokerText)), NullLogger.Instance);
                    var format = MessageFormats.ByName(result.GetValue(postFormat)!);
                    var prefix = result.GetValue(postTopicPrefix) is { } p ? Topics.SplitPrefix(p) : format.DefaultTopicPrefix;
                    output = new BrokerOutput(await broker.CreatePublisherAsync(cancellationToken).ConfigureAwait(false), format, [result.GetValue(postExchange)!], prefix);
                }
                catch (Exception ex) when (ex is FormatException or SluiceException)
                {
                    await context.Error.WriteLineAsync($"sluice post: {ex.Message}").ConfigureAwait(false);
                    return 1;
                }
            }
            else
            {
                output = new OutletOutput(context.Out, urls: result.GetValue(outlet) == "url");
            }

            try
            {
                var posted = ProgressDisplay.CountPosted();
                var progress = ProgressDisplay.IsTerminal(context) && ProgressDisplay.Measure(result.GetValue(paths)!) is var (files, bytes)
                    ? ProgressDisplay.Start(context, "post", () => posted.Done, files, bytes)
                    : null;
                await using var flow = new Flow(new FlowOptions { Name = "post/command-line", Concurrency = 1 }, input, null, output, NullLogger.Instance, callbacks: [posted]);
                await using (progress)
                {
                    await flow.RunAsync(cancellationToken).ConfigureAwait(false);
                }

                if (broker is not null)
                {
                    await context.Error.WriteLineAsync($"sluice post: {flow.Metrics.Posted} message(s) posted to {broker.Url}").ConfigureAwait(false);
                }

                return broker is not null && flow.Metrics.Posted < flow.Metrics.Received ? 1 : 0;
            }
            finally
            {
                await output.DisposeAsync().ConfigureAwait(false);
                if (broker is not null)
                {
                    await broker.DisposeAsync().ConfigureAwait(false);
                }
            }
        });
        return command;
    }
}
