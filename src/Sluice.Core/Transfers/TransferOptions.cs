using System.Text.RegularExpressions;
using Sluice.Core.Config;

namespace Sluice.Core.Transfers;

/// <summary>
/// Everything a transfer needs to connect to one server. Immutable; the flow maps its configuration
/// (<c>sendTo</c>/<c>baseUrl</c> plus credentials.conf, <c>timeout</c>, <c>bufSize</c>, ...) onto it.
/// </summary>
public sealed partial record TransferOptions
{
    /// <summary>The server URL, possibly with <c>user:password@</c>; e.g. <c>sftp://bob@host:2222/</c>.</summary>
    public required string Url { get; init; }

    /// <summary>Timeout of each single operation (connect, list, one read or write of a get/put).</summary>
    public TimeSpan Timeout { get; init; } = Defaults.Timeout;

    /// <summary>sr3's <c>bufSize</c>: the I/O buffer size in bytes.</summary>
    public int BufSize { get; init; } = Defaults.BufSize;

    public TlsRigour TlsRigour { get; init; } = TlsRigour.Medium;

    /// <summary>http(s): sent as <c>Authorization: Bearer ...</c>.</summary>
    public string? BearerToken { get; init; }

    /// <summary>sftp: private key file; when unset, <c>~/.ssh/id_ed25519</c>, <c>id_ecdsa</c>, <c>id_rsa</c> are tried.</summary>
    public string? SshKeyFile { get; init; }

    /// <summary>ftp: passive (default) or active data connections.</summary>
    public bool Passive { get; init; } = true;

    /// <summary>ftp: binary (TYPE I, default) or ascii (TYPE A).</summary>
    public bool Binary { get; init; } = true;

    /// <summary>ftp: explicit TLS (AUTH TLS) on the control connection.</summary>
    public bool Tls { get; init; }

    /// <summary>ftp: protect the data connections too (PROT P).</summary>
    public bool ProtP { get; init; } = true;

    /// <summary>ftp: implicit FTPS (TLS from the first byte).</summary>
    public bool ImplicitFtps { get; init; }

    /// <summary>The URL without credentials, for logs and errors.</summary>
    public string RedactedUrl => Redact(Url);

    /// <summary>Removes the password (and only the password) from a URL: <c>sftp://bob:***@host/</c>.</summary>
    public static string Redact(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return CredentialsPattern().Replace(url, "$1$2:***@");
    }

    [GeneratedRegex(@"^([a-zA-Z][a-zA-Z0-9+.-]*://)([^:/@]*):[^@/]*@")]
    private static partial Regex CredentialsPattern();
}
