using System.Reflection;
using Microsoft.Extensions.Logging;
using Sluice.Core.Logging;

namespace Sluice.Core.Tests.Logging;

/// <summary>The one table of log event ids (<see cref="LogEvents"/>) against every <c>[LoggerMessage]</c> of every Sluice assembly.</summary>
public class LogEventsTests
{
    /// <summary>Every Sluice assembly beside the tests (Core, the daemon, the command line and every adapter), so a new adapter is checked without being named here.</summary>
    private static IReadOnlyList<Assembly> SluiceAssemblies() =>
        [.. Directory.GetFiles(AppContext.BaseDirectory, "Sluice.*.dll")
            .Where(f => !Path.GetFileName(f).Contains(".Tests", StringComparison.Ordinal))
            .Select(f => Assembly.Load(AssemblyName.GetAssemblyName(f)))];

    private static IReadOnlyList<(string Method, int Id, string Message)> LoggerMessages() =>
        [.. SluiceAssemblies()
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(x => x.Attribute is not null)
            .Select(x => ($"{x.Method.DeclaringType!.FullName}.{x.Method.Name}", x.Attribute!.EventId, x.Attribute.Message))];

    private static IReadOnlyDictionary<int, string> Table() =>
        typeof(LogEvents).GetNestedTypes()
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (Name: $"{t.Name}.{f.Name}", Id: (int)f.GetRawConstantValue()!)))
            .ToDictionary(x => x.Id, x => x.Name);

    [Fact]
    public void The_check_sees_the_logging_of_core_the_daemon_and_the_adapters()
    {
        var assemblies = SluiceAssemblies().Select(a => a.GetName().Name).ToHashSet();
        Assert.Superset(new HashSet<string?> { "Sluice.Core", "Sluice.Daemon", "Sluice.Brokers.Amqp", "Sluice.Brokers.Mqtt" }, assemblies);
        var methods = LoggerMessages();
        Assert.Contains(methods, m => m.Method.EndsWith("FlowLog.Accepted", StringComparison.Ordinal) && m.Id == LogEvents.Flow.Accepted);
        Assert.Contains(methods, m => m.Method.Contains("AmqpBroker", StringComparison.Ordinal) && m.Id == LogEvents.Amqp.Connected);
    }

    [Fact]
    public void Every_log_event_id_is_in_the_table()
    {
        var table = Table();
        var outside = LoggerMessages().Where(m => !table.ContainsKey(m.Id)).Select(m => $"{m.Method}: EventId {m.Id}").ToList();
        Assert.True(outside.Count == 0, "event ids not in LogEvents: " + string.Join("; ", outside));
    }

    [Fact]
    public void An_event_id_means_one_message()
    {
        var clashes = LoggerMessages()
            .GroupBy(m => m.Id)
            .Where(g => g.Select(m => m.Message).Distinct(StringComparer.Ordinal).Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(" | ", g.Select(m => $"{m.Method} \"{m.Message}\""))}")
            .ToList();
        Assert.True(clashes.Count == 0, "one event id, different messages: " + string.Join("; ", clashes));
    }

    [Fact]
    public void Every_id_in_the_table_is_logged_somewhere_and_the_table_has_no_id_twice()
    {
        var fields = typeof(LogEvents).GetNestedTypes().SelectMany(t => t.GetFields().Where(f => f.IsLiteral)).Select(f => (int)f.GetRawConstantValue()!).ToList();
        Assert.Equal(fields.Count, fields.Distinct().Count());
        var used = LoggerMessages().Select(m => m.Id).ToHashSet();
        var unused = Table().Where(e => !used.Contains(e.Key)).Select(e => $"{e.Value} = {e.Key}").ToList();
        Assert.True(unused.Count == 0, "ids in LogEvents no [LoggerMessage] uses: " + string.Join(", ", unused));
    }
}
