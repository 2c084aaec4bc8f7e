using System.Globalization;
using System.Text;
using Sluice.Daemon.Supervision;

namespace Sluice.Daemon.Control;

/// <summary>Flow metrics in the Prometheus text exposition format (<c>GET /metrics</c>).</summary>
internal static class PrometheusText
{
    private static readonly (string Name, string Type, string Help, Func<FlowStatus, double> Value)[] Series =
    [
        ("sluice_messages_received_total", "counter", "Messages received by the flow.", s => s.Received),
        ("sluice_messages_accepted_total", "counter", "Messages accepted by the filters.", s => s.Accepted),
        ("sluice_messages_rejected_total", "counter", "Messages rejected (filtered, duplicate, refused).", s => s.Rejected),
        ("sluice_messages_duplicate_total", "counter", "Messages rejected as duplicates (304).", s => s.Duplicates),
        ("sluice_work_ok_total", "counter", "Messages whose work (download, send) succeeded.", s => s.Ok),
        ("sluice_work_failed_total", "counter", "Work attempts that failed and went to the retry queue.", s => s.Failed),
        ("sluice_messages_posted_total", "counter", "Messages posted and confirmed by the broker.", s => s.Posted),
        ("sluice_bytes_total", "counter", "Bytes of data moved.", s => s.Bytes),
        ("sluice_retry_queue_messages", "gauge", "Messages waiting in the retry queues.", s => s.RetryQueued),
        ("sluice_lag_seconds", "gauge", "Now minus the pubTime of the last message received.", s => s.LagSeconds),
        ("sluice_instances_running", "gauge", "Instances of the flow running.", s => s.InstancesRunning),
        ("sluice_instances_configured", "gauge", "Instances of the flow configured.", s => s.Instances),
        ("sluice_flow_restarts_total", "counter", "Times an instance failed and was restarted.", s => s.Restarts),
    ];

    public static string Render(IReadOnlyList<FlowStatus> flows)
    {
        var text = new StringBuilder();
        foreach (var (name, type, help, value) in Series)
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach (var flow in flows)
            {
                text.Append(name).Append("{flow=\"").Append(Escape(flow.Name)).Append("\",state=\"").Append(flow.State).Append("\"} ")
                    .Append(value(flow).ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        return text.ToString();
    }

    private static string Escape(string label) => label.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
