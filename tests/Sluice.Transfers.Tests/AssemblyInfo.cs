// The integration tests start Debian's servers (sshd, vsftpd) and check Unix modes: Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
