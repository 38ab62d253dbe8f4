using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeMonitor.Net;

namespace EdgeMonitor.Tests.Infrastructure;

/// <summary>
/// A throwaway certificate authority for tests: issues leaf certificates (valid, expired,
/// for other names) and writes PEM files real servers (nginx, openssl s_server, mosquitto) load.
/// </summary>
public sealed class TestCa : IDisposable
{
    public X509Certificate2 Certificate { get; }
    public string Directory { get; }
    public string CertFile { get; }

    public TestCa(string commonName, string? directory = null)
    {
        Directory = directory ?? TempDir.Create("ca");
        using var key = RSA.Create(2048);
        CertificateRequest req = CaRequest(commonName, key, intermediate: false);
        Certificate = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(5));
        CertFile = Path.Combine(Directory, $"{Sanitize(commonName)}-ca.pem");
        File.WriteAllText(CertFile, Certificate.ExportCertificatePem());
    }

    /// <summary>An intermediate CA signed by this one; its leaves' files carry leaf + intermediate, as a public server sends them.</summary>
    public TestCa Intermediate(string commonName) => new(commonName, this);

    private TestCa(string commonName, TestCa issuer)
    {
        Directory = issuer.Directory;
        using var key = RSA.Create(2048);
        CertificateRequest req = CaRequest(commonName, key, intermediate: true);
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer.Certificate, true, false));
        using X509Certificate2 signed = req.Create(issuer.Certificate, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(2), Serial());
        Certificate = signed.CopyWithPrivateKey(key);
        CertFile = Path.Combine(Directory, $"{Sanitize(commonName)}-ca.pem");
        File.WriteAllText(CertFile, Certificate.ExportCertificatePem());
    }

    /// <summary>Issues a server (and client) certificate; writes name.crt (leaf + CA) and name.key.</summary>
    public (string CertFile, string KeyFile) Issue(string fileName, string[] dnsNames, DateTimeOffset? notBefore = null,
        DateTimeOffset? notAfter = null, string[]? ipAddresses = null)
    {
        using var key = RSA.Create(2048);
        string cn = dnsNames.Length > 0 ? dnsNames[0] : ipAddresses?[0] ?? fileName;
        var req = new CertificateRequest($"CN={cn}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        foreach (string n in dnsNames)
            san.AddDnsName(n);
        foreach (string ip in ipAddresses ?? [])
            san.AddIpAddress(System.Net.IPAddress.Parse(ip));
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        var from = notBefore ?? DateTimeOffset.UtcNow.AddDays(-1);
        var to = notAfter ?? DateTimeOffset.UtcNow.AddDays(90);
        using X509Certificate2 leaf = req.Create(Certificate, from, to, Serial());
        string certFile = Path.Combine(Directory, fileName + ".crt");
        string keyFile = Path.Combine(Directory, fileName + ".key");
        File.WriteAllText(certFile, leaf.ExportCertificatePem() + "\n" + Certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certFile, keyFile);
    }

    /// <summary>A CA's request: path length 0 below an intermediate, signing certificates and CRLs only.</summary>
    private static CertificateRequest CaRequest(string commonName, RSA key, bool intermediate)
    {
        var req = new CertificateRequest($"CN={commonName}, O=EdgeMonitor Test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, intermediate, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        return req;
    }

    /// <summary>A random positive 96-bit serial number.</summary>
    private static byte[] Serial()
    {
        byte[] serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        return serial;
    }

    private static string Sanitize(string s) => new(s.Select(c => char.IsLetterOrDigit(c) ? c : '-').ToArray());

    public void Dispose() => Certificate.Dispose();
}

public static class TempDir
{
    /// <summary>A fresh directory under the system temp dir, world-traversable so dropped-privilege servers can read it.</summary>
    public static string Create(string prefix)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"edgemon-{prefix}-{Guid.NewGuid():N}"[..40]);
        System.IO.Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        return dir;
    }
}
