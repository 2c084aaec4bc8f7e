using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core;
using Sluice.Core.Brokers;
using Sluice.Core.Components;
using Sluice.Core.Config;
using Sluice.Core.Formats;
using Spectre.Console;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice report</c>: shows a source the fate of its files (which file, who took it, when, with which code) from
/// its report exchange (<c>xr_&lt;user&gt;</c>, or <c>xreport</c> on a pump). The queue it reads is kept (its name in
/// the state directory), so reports published between two runs wait for the next one.
/// </summary>
internal static class ReportCommand
{
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static Command Create(CliContext context, Func<SluicePaths> paths)
    {
        var broker = new Option<string>("--broker") { Description = "The broker the reports are on (amqp://, mqtt://); credentials.conf supplies the password.", Required = true };
        var exchange = new Option<string?>("--exchange") { Description = "The report exchange (default: xr_<broker user>)." };
        var subtopic = new Option<string>("--subtopic") { Description = "Only the reports of files under this topic (default: #, all).", DefaultValueFactory = _ => "#" };
        var count = new Option<int>("--count") { Description = "Stop after this many reports (0: no limit).", DefaultValueFactory = _ => 0 };
        var timeout = new Option<double>("--timeout") { Description = "Stop when no report came for this many seconds.", DefaultValueFactory = _ => 5 };
        var json = new Option<bool>("--json") { Description = "One JSON object per report, for scripts." };
        var command = new Command("report", "Show the fate of a source's files: the reports on its report exchange.") { broker, exchange, subtopic, count, timeout, json };
        command.SetAction(async (r, ct) => await RunAsync(
            context, paths(), r.GetValue(broker)!, r.GetValue(exchange), r.GetValue(subtopic)!, r.GetValue(count), TimeSpan.FromSeconds(Math.Max(0.1, r.GetValue(timeout))), r.GetValue(json), ct).ConfigureAwait(false));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, SluicePaths paths, string brokerText, string? exchange, string subtopic, int count, TimeSpan timeout, bool asJson, CancellationToken cancellationToken)
    {
        var adapters = Sluice.Daemon.Adapters.Create();
        BrokerUrl url;
        try
        {
            url = BrokerUrl.Parse(CredentialStore.Load(paths.CredentialsFile).Complete(brokerText));
        }
        catch (Exception ex) when (ex is FormatException or ConfigException)
        {
            await context.Error.WriteLineAsync($"sluice report: --broker: {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        var user = url.User ?? "anonymous";
        exchange ??= "xr_" + user;
        var queue = QueueNames.LoadOrCreate(Path.Combine(paths.FlowState("report", "command-line"), $"{exchange}.{user}.qname"), user, "report", "command-line");
        var lines = new List<ReportLine>();
        var skipped = 0;
        try
        {
            await using var connection = adapters.Brokers.Create(url, NullLogger.Instance);
            await using var subscription = await connection.SubscribeAsync(new SubscriptionOptions
            {
                Bindings = [new Binding(exchange, ["v03"], subtopic)],
                QueueName = queue,
                Prefetch = 100,
                Expire = TimeSpan.FromDays(7),
            }, cancellationToken).ConfigureAwait(false);
            var idleSince = DateTime.UtcNow;
            while ((count == 0 || lines.Count < count) && DateTime.UtcNow - idleSince < timeout)
            {
                var wanted = count == 0 ? 100 : Math.Min(100, count - lines.Count);
                var received = await subscription.ReceiveAsync(wanted, TimeSpan.FromMilliseconds(Math.Min(500, timeout.TotalMilliseconds)), cancellationToken).ConfigureAwait(false);
                if (received.Count == 0)
                {
                    continue;
                }

                idleSince = DateTime.UtcNow;
                foreach (var message in received)
                {
                    ReportLine? line = null;
                    try
                    {
                        line = ReportLine.From(MessageFormats.Decode(message.Wire));
                    }
                    catch (MessageFormatException)
                    {
                    }

                    if (line is null)
                    {
                        skipped++;
                        continue;
                    }

                    lines.Add(line);
                    if (asJson)
                    {
                        await context.Out.WriteLineAsync(JsonSerializer.Serialize(new
                        {
                            relPath = line.RelPath,
                            baseUrl = line.BaseUrl,
                            code = line.Code,
                            message = line.Message,
                            by = line.By.Length == 0 ? null : line.By,
                            timeCompleted = line.When?.ToString("O", CultureInfo.InvariantCulture),
                            source = line.Source,
                        }, Json)).ConfigureAwait(false);
                    }
                }

                // Shown (or written) before it is acknowledged: a report is never lost between the broker and the screen.
                await context.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
                await subscription.AcknowledgeAsync([.. received.Select(m => m.AckToken)], cancellationToken).ConfigureAwait(false);
            }
        }
        catch (SluiceException ex)
        {
            await context.Error.WriteLineAsync($"sluice report: {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        if (!asJson)
        {
            Print(context, lines);
        }

        await context.Error.WriteLineAsync($"sluice report: {lines.Count} report(s) from {exchange} on {url}" + (skipped > 0 ? $", {skipped} message(s) that were not reports skipped" : string.Empty)).ConfigureAwait(false);
        return 0;
    }

    private static void Print(CliContext context, List<ReportLine> lines)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(context.Out), Ansi = AnsiSupport.Detect, ColorSystem = ColorSystemSupport.Detect });
        if (Console.IsOutputRedirected || context.Out != Console.Out)
        {
            console.Profile.Width = 240;
        }

        var table = new Table().AddColumns("relPath", "code", "message", "by", "when");
        foreach (var line in lines)
        {
            var code = line.Code.ToString(CultureInfo.InvariantCulture);
            table.AddRow(
                Markup.Escape(line.RelPath),
                line.Code is >= 200 and < 300 ? $"[green]{code}[/]" : line.Code == 304 ? code : $"[red]{code}[/]",
                Markup.Escape(line.Message),
                Markup.Escape(line.By),
                line.When?.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture) ?? string.Empty);
        }

        console.Write(table);
    }
}
