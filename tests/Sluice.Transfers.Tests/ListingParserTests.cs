using Sluice.Core.Transfers;
using Sluice.Transfers.Ftp;

namespace Sluice.Transfers.Tests;

/// <summary>Directory listings as other servers write them (Apache, nginx, unix LIST).</summary>
public sealed class ListingParserTests
{
    [Fact]
    public void Apache_and_nginx_indexes_give_names_sizes_and_times()
    {
        const string html = """
            <pre><a href="?C=N;O=D">Name</a> <a href="?C=M;O=A">Last modified</a>
            <a href="/pub/">Parent Directory</a>                             -
            <a href="CMC_glb_TMP.grib2">CMC_glb_TMP.grib2</a>      2026-11-24 10:20  1.5K
            <a href="big%20file.nc">big file.nc</a>             2026-11-24 09:00:05   2M
            <a href="sub/">sub/</a>                    2026-11-23 08:00    -
            <a href="nginx.txt">nginx.txt</a>                                 24-Nov-2026 10:00    1234
            <a href="../">../</a>
            """;

        var entries = HttpTransfer.ParseIndex(html);

        Assert.Equal(["CMC_glb_TMP.grib2", "big file.nc", "sub", "nginx.txt"], entries.Select(e => e.Name));
        Assert.Equal(1536, entries[0].Size);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 10, 20, 0, TimeSpan.Zero), entries[0].ModifiedTime);
        Assert.Equal(2 * 1024 * 1024, entries[1].Size);
        Assert.True(entries[2].IsDirectory);
        Assert.Equal(1234, entries[3].Size);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero), entries[3].ModifiedTime);
    }

    [Fact]
    public void Apache_table_indexes_give_names_sizes_and_times_from_their_cells()
    {
        // Debian's Apache 2.4 (IndexOptions FancyIndexing HTMLTable), one row per line.
        const string html = """
            <table>
               <tr><th valign="top"><img src="/icons/blank.gif" alt="[ICO]"></th><th><a href="?C=N;O=D">Name</a></th><th><a href="?C=M;O=A">Last modified</a></th><th><a href="?C=S;O=A">Size</a></th></tr>
               <tr><td valign="top"><img src="/icons/back.gif" alt="[PARENTDIR]"></td><td><a href="/pub/">Parent Directory</a></td><td>&nbsp;</td><td align="right">  - </td></tr>
               <tr><td valign="top"><img src="/icons/unknown.gif" alt="[   ]"></td><td><a href="obs.bufr">obs.bufr</a></td><td align="right">2026-11-24 10:20  </td><td align="right">4.0K</td><td>&nbsp;</td></tr>
               <tr><td valign="top"><img src="/icons/folder.gif" alt="[DIR]"></td><td><a href="radar/">radar/</a></td><td align="right">2026-11-23 08:00  </td><td align="right">  - </td><td>&nbsp;</td></tr>
            </table>
            <a href="one.txt">one.txt</a> 2026-11-24 11:00  12 <a href="two.txt">two.txt</a> 2026-11-24 12:00  34
            """;

        var entries = HttpTransfer.ParseIndex(html);

        Assert.Equal(["obs.bufr", "radar", "one.txt", "two.txt"], entries.Select(e => e.Name));
        Assert.Equal(4096, entries[0].Size);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 10, 20, 0, TimeSpan.Zero), entries[0].ModifiedTime);
        Assert.True(entries[1].IsDirectory);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero), entries[1].ModifiedTime);
        Assert.Equal(12, entries[2].Size);
        Assert.Equal(34, entries[3].Size);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero), entries[3].ModifiedTime);
    }

    [Fact]
    public void Unix_LIST_lines_give_names_sizes_links_and_directories()
    {
        const string text = "-rw-r--r--    1 1000     1000         4096 Jan 02  2024 old file.bin\r\n"
            + "drwxr-xr-x    2 1000     1000         4096 Nov 24 10:00 sub\r\n"
            + "lrwxrwxrwx    1 0        0               7 Nov 24 10:00 latest -> old file.bin\r\n"
            + "total 12\r\n";

        var entries = FtpTransfer.ParseList(text);

        Assert.Equal(["old file.bin", "sub", "latest"], entries.Select(e => e.Name));
        Assert.Equal(4096, entries[0].Size);
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 0, 0, 0, TimeSpan.Zero), entries[0].ModifiedTime);
        Assert.True(entries[1].IsDirectory);
        Assert.Equal("old file.bin", entries[2].LinkTarget);
    }
}
