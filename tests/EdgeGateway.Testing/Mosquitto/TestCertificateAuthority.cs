namespace EdgeGateway.Testing.Mosquitto;

/// <summary>A throw-away CA made with openssl in a test's directory; it issues the broker's server certificate and client certificates (PEM files).</summary>
public sealed class TestCertificateAuthority
{
    private readonly string _directory;
    private readonly string _name;

    private TestCertificateAuthority(string directory, string name)
    {
        _directory = directory;
        _name = name;
    }

    /// <summary>The CA certificate (PEM): what a client trusts.</summary>
    public string CertificateFile => Path.Combine(_directory, $"{_name}-ca.crt");

    private string KeyFile => Path.Combine(_directory, $"{_name}-ca.key");

    /// <summary>Makes a self-signed CA (EC P-256, valid two days) named <paramref name="name"/> in <paramref name="directory"/>.</summary>
    public static async Task<TestCertificateAuthority> CreateAsync(string directory, string name)
    {
        Directory.CreateDirectory(directory);
        var ca = new TestCertificateAuthority(directory, name);
        await Tool.RunAsync("openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", ca.KeyFile, "-out", ca.CertificateFile, "-days", "2",
            "-subj", $"/CN=EdgeGateway test CA {name}",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        return ca;
    }

    /// <summary>Issues a server certificate for localhost and 127.0.0.1 (subjectAltName); returns (certificate, key) PEM paths.</summary>
    public Task<(string Certificate, string Key)> IssueServerAsync(string name = "server") =>
        IssueAsync(name, "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n");

    /// <summary>Issues a client certificate with common name <paramref name="commonName"/>; returns (certificate, key) PEM paths.</summary>
    public Task<(string Certificate, string Key)> IssueClientAsync(string commonName) =>
        IssueAsync($"client-{commonName}", commonName, "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n");

    private async Task<(string Certificate, string Key)> IssueAsync(string name, string commonName, string extensions)
    {
        string prefix = Path.Combine(_directory, $"{_name}-{name}");
        string key = prefix + ".key";
        string request = prefix + ".csr";
        string certificate = prefix + ".crt";
        string extensionFile = prefix + ".ext";
        await File.WriteAllTextAsync(extensionFile, extensions);
        await Tool.RunAsync("openssl", [
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", request, "-subj", $"/CN={commonName}",
        ]);
        await Tool.RunAsync("openssl", [
            "x509", "-req", "-in", request, "-CA", CertificateFile, "-CAkey", KeyFile, "-CAcreateserial",
            "-out", certificate, "-days", "2", "-sha256", "-extfile", extensionFile,
        ]);
        return (certificate, key);
    }
}
