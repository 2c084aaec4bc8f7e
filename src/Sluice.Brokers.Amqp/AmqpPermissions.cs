namespace Sluice.Brokers.Amqp;

/// <summary>
/// sr3's RabbitMQ permissions per role (its <c>rabbitmq_admin.add_user</c>), as configure, write and read regular
/// expressions on exchange and queue names: admin and feeder may do anything (admin is also tagged administrator);
/// a source configures and writes its own <c>q_&lt;user&gt;*</c> queues and <c>xs_&lt;user&gt;*</c> exchanges; a
/// subscriber configures only its queues and writes only those and its <c>xs_&lt;user&gt;</c> exchange; both write
/// their own report exchange <c>xr_&lt;user&gt;</c> (where a flow with <c>report on</c> posts, and no one else may);
/// both read their queues, their <c>xl_</c>, <c>xr_</c>, <c>xs_</c> exchanges and every <c>x*public</c> exchange.
/// </summary>
public sealed record AmqpPermissions(string Configure, string Write, string Read, string Tags)
{
    /// <summary>The permissions of <paramref name="user"/> in <paramref name="role"/>.</summary>
    /// <exception cref="ArgumentException">Not one of sr3's roles.</exception>
    public static AmqpPermissions For(string role, string user)
    {
        var u = System.Text.RegularExpressions.Regex.Escape(user);
        var read = $"^q_{u}.*|^x[lrs]_{u}.*|^x.*public$";
        return role switch
        {
            "admin" => new(".*", ".*", ".*", "administrator"),
            "feeder" => new(".*", ".*", ".*", string.Empty),
            "source" => new($"^q_{u}.*|^xs_{u}.*", $"^q_{u}.*|^xs_{u}.*|^xr_{u}$", read, string.Empty),
            "subscriber" => new($"^q_{u}.*", $"^q_{u}.*|^xs_{u}$|^xr_{u}$", read, string.Empty),
            _ => throw new ArgumentException($"{role} is not a role (admin, feeder, source, subscriber)", nameof(role)),
        };
    }

    /// <summary>
    /// The report exchange <c>sluice declare --users</c> declares for <paramref name="user"/>: <c>xr_&lt;user&gt;</c> for a
    /// source or subscriber (who may write it but not declare it), none for an admin or feeder (who report to
    /// <c>xreport</c> and may declare what they need).
    /// </summary>
    public static string? ReportExchange(string role, string user) => role is "source" or "subscriber" ? "xr_" + user : null;
}
