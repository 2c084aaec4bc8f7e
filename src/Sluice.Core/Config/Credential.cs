namespace Sluice.Core.Config;

/// <summary>One line of <c>credentials.conf</c>: a URL with its password and per-server details.</summary>
public sealed record Credential(string Scheme, string? User, string? Password, string Host, int Port)
{
    public string? SshKeyFile { get; init; }

    /// <summary>ftp: passive (the default) or active.</summary>
    public bool Passive { get; init; } = true;

    /// <summary>ftp: binary (the default) or ascii.</summary>
    public bool Binary { get; init; } = true;

    public bool Tls { get; init; }

    public bool ProtP { get; init; }

    public bool ImplicitFtps { get; init; }

    public string? BearerToken { get; init; }

    public string? LoginMethod { get; init; }
}
