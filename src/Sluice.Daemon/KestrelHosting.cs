using Microsoft.AspNetCore.Builder;

namespace Sluice.Daemon;

/// <summary>How the daemon's Kestrel servers (the data server, the control API) are built.</summary>
internal static class KestrelHosting
{
    /// <summary>
    /// No configuration files are watched for changes, and the content root is the program's directory, not the
    /// working directory: by default each server watched its working directory and every directory under it
    /// (inotify), two watchers a server, which a daemon started in a large tree (or many servers) pays for in the
    /// per-user inotify limits that the watch component needs.
    /// </summary>
    public static WebApplicationOptions Options => new()
    {
        ContentRootPath = AppContext.BaseDirectory,
        Args = ["--hostBuilder:reloadConfigOnChange=false"],
    };
}
