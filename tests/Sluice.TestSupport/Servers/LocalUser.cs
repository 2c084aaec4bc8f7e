namespace Sluice.Tests.Servers;

/// <summary>
/// A local Unix user made for a server fixture (sshd, vsftpd): a name and a password of its own, and a home it owns.
/// Deleted with the fixture.
/// </summary>
internal sealed class LocalUser(string prefix, string home)
{
    public string Name { get; } = prefix + Guid.NewGuid().ToString("N")[..8];

    public string Password { get; } = "pw-" + Guid.NewGuid().ToString("N")[..12];

    public string Home { get; } = home;

    public async Task CreateAsync()
    {
        await ProcessRunner.RunAsync("useradd", ["-M", "-d", Home, "-s", "/bin/sh", Name]);
        Directory.CreateDirectory(Home);
        await ProcessRunner.RunAsync("chown", [$"{Name}:", Home]);
        await ProcessRunner.RunAsync("chpasswd", [], input: $"{Name}:{Password}\n");
    }

    public Task DeleteAsync() => ProcessRunner.RunAsync("userdel", [Name]);
}
