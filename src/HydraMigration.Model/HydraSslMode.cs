namespace HydraMigration;

/// <summary>libpq's sslmode values, in the same order and meaning.</summary>
public enum HydraSslMode
{
    /// <summary>Never use TLS.</summary>
    Disable,

    /// <summary>Try without TLS first, then with.</summary>
    Allow,

    /// <summary>Try TLS first, then without (libpq's default).</summary>
    Prefer,

    /// <summary>TLS required; the certificate is not verified.</summary>
    Require,

    /// <summary>TLS required; the server certificate must chain to a trusted CA.</summary>
    VerifyCA,

    /// <summary>TLS required; the certificate must chain to a trusted CA and match the host name.</summary>
    VerifyFull,
}
