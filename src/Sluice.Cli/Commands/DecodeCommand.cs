using System.CommandLine;
using System.Text;
using System.Text.Json;
using Sluice.Core.Formats;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice decode FILE|-</c>: reads a notification message (a bare v03 or WIS2 body, or a captured AMQP or
/// MQTT message document) and prints it as v03 JSON, or re-encoded with <c>--to</c>.
/// </summary>
internal static class DecodeCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Argument<string>("file") { Description = "The message file, or - for standard input." };
        var to = new Option<string>("--to") { Description = "Re-encode in this format: v03, v02 or wis.", DefaultValueFactory = _ => "v03" };
        to.AcceptOnlyFromAmong("v03", "v02", "wis");
        var capture = new Option<bool>("--capture") { Description = "Print a capture document (exchange, routing_key, properties, headers, body) instead of the bare body." };
        var pretty = new Option<bool>("--pretty") { Description = "Indent JSON output." };
        var topicPrefix = new Option<string?>("--topic-prefix") { Description = "Topic prefix of the re-encoded message (default: the format's, e.g. v03 or v02.post)." };

        var command = new Command("decode", "Print a notification message as v03 JSON (or another format with --to).")
        {
            input, to, capture, pretty, topicPrefix,
        };
        command.SetAction(result => Run(
            context,
            result.GetValue(input)!,
            result.GetValue(to)!,
            result.GetValue(capture),
            result.GetValue(pretty),
            result.GetValue(topicPrefix)));
        return command;
    }

    internal static int Run(CliContext context, string file, string to, bool asCapture, bool pretty, string? topicPrefix)
    {
        byte[] bytes;
        try
        {
            if (file == "-")
            {
                using var stdin = context.OpenStdin();
                using var buffer = new MemoryStream();
                stdin.CopyTo(buffer);
                bytes = buffer.ToArray();
            }
            else
            {
                bytes = File.ReadAllBytes(file);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Error.WriteLine($"sluice decode: {file}: {ex.Message}");
            return 1;
        }

        var name = file == "-" ? "stdin" : file;
        try
        {
            var captured = CapturedMessage.Parse(bytes);
            var message = MessageFormats.Decode(captured.Wire);
            var format = MessageFormats.ByName(to);
            var prefix = topicPrefix is null ? format.DefaultTopicPrefix : Topics.SplitPrefix(topicPrefix);
            var wire = format.Encode(message, prefix);
            var exchange = captured.Exchange ?? "xpublic";
            context.Out.WriteLine(asCapture || format is V02Format ? CaptureDocument(exchange, wire, pretty) : Body(wire, pretty));
            return 0;
        }
        catch (MessageFormatException ex)
        {
            context.Error.WriteLine($"sluice decode: {name}: {ex.Message}");
            return 1;
        }
    }

    private static string Body(WireMessage wire, bool pretty)
    {
        var text = Encoding.UTF8.GetString(wire.Body.Span);
        if (!pretty)
        {
            return text;
        }

        using var doc = JsonDocument.Parse(wire.Body);
        return JsonSerializer.Serialize(doc.RootElement, Indented);
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string CaptureDocument(string exchange, WireMessage wire, bool pretty)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = pretty, Encoder = Indented.Encoder }))
        {
            writer.WriteStartObject();
            writer.WriteString("exchange", exchange);
            writer.WriteString("routing_key", wire.RoutingKey);
            writer.WriteStartObject("properties");
            writer.WriteString("content_type", wire.ContentType);
            writer.WriteString("content_encoding", "utf-8");
            writer.WriteNumber("delivery_mode", 2);
            writer.WriteEndObject();
            writer.WriteStartObject("headers");
            foreach (var (key, value) in wire.Headers)
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
            writer.WriteString("body", Encoding.UTF8.GetString(wire.Body.Span));
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
