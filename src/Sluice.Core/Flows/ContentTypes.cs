namespace Sluice.Core.Flows;

/// <summary>The MIME type of a file from its name, as sr3 guesses it (Python's mimetypes), for <c>contentType</c>.</summary>
internal static class ContentTypes
{
    private static readonly Dictionary<string, string> ByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        [".txt"] = "text/plain",
        [".text"] = "text/plain",
        [".log"] = "text/plain",
        [".conf"] = "text/plain",
        [".csv"] = "text/csv",
        [".html"] = "text/html",
        [".htm"] = "text/html",
        [".xml"] = "text/xml",
        [".json"] = "application/json",
        [".geojson"] = "application/geo+json",
        [".pdf"] = "application/pdf",
        [".png"] = "image/png",
        [".jpg"] = "image/jpeg",
        [".jpeg"] = "image/jpeg",
        [".gif"] = "image/gif",
        [".svg"] = "image/svg+xml",
        [".tif"] = "image/tiff",
        [".tiff"] = "image/tiff",
        [".gz"] = "application/gzip",
        [".zip"] = "application/zip",
        [".tar"] = "application/x-tar",
        [".bz2"] = "application/x-bzip2",
        [".xz"] = "application/x-xz",
        [".nc"] = "application/x-netcdf",
        [".cdf"] = "application/x-netcdf",
        [".h5"] = "application/x-hdf5",
        [".hdf"] = "application/x-hdf",
        [".grib"] = "application/x-grib",
        [".grib2"] = "application/x-grib",
        [".grb"] = "application/x-grib",
        [".grb2"] = "application/x-grib",
        [".bufr"] = "application/x-bufr",
        [".bufr4"] = "application/x-bufr",
        [".bin"] = "application/octet-stream",
        [".sh"] = "application/x-sh",
        [".py"] = "text/x-python",
        [".md"] = "text/markdown",
    };

    /// <summary>The type for this file name; <c>application/octet-stream</c> when unknown.</summary>
    public static string Guess(string fileName) =>
        ByExtension.TryGetValue(Path.GetExtension(fileName), out var type) ? type : "application/octet-stream";
}
