package io.synod.transport.http;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * Builds Netty {@link SslContext}s from PEM files for {@link HttpServer} and {@link
 * HttpClientPool}: a certificate chain, its PKCS#8 private key, and optionally the CA
 * certificates that peers' (and clients') certificates must chain to. JDK provider, TLS 1.2 and
 * 1.3 only; clients verify the server's host name against its certificate.
 */
public final class Tls {
  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private Tls() {}

  /** Whether a TLS server asks connecting clients for a certificate. */
  public enum ClientCertificates {
    /** No client certificate is asked for. */
    NONE,
    /** A client may present one; if it does, it must chain to the CA. */
    OPTIONAL,
    /** Every client must present one chaining to the CA (mutual TLS). */
    REQUIRE;

    /**
     * Parses {@code none}, {@code optional} or {@code require}.
     *
     * @param s the text
     * @return the value
     * @throws IllegalArgumentException when it is none of them
     */
    public static ClientCertificates parse(String s) {
      return switch (s.strip().toLowerCase(Locale.ROOT)) {
        case "none", "off", "false" -> NONE;
        case "optional", "want" -> OPTIONAL;
        case "require", "required", "need" -> REQUIRE;
        default -> throw new IllegalArgumentException(
            "'" + s + "' is not one of none, optional, require");
      };
    }
  }

  /**
   * A server context.
   *
   * @param certChain PEM certificate chain, the server's own first
   * @param key PEM PKCS#8 private key of the first certificate
   * @param clientCa PEM CA certificates client certificates must chain to, or null
   * @param clientCertificates whether clients must present a certificate
   * @return the context
   * @throws IllegalArgumentException when a file cannot be read or parsed, or a client
   *     certificate is asked for without a CA
   */
  public static SslContext server(Path certChain, Path key, Path clientCa,
      ClientCertificates clientCertificates) {
    if (clientCertificates != ClientCertificates.NONE && clientCa == null) {
      throw new IllegalArgumentException("client certificates need a CA to check them against");
    }
    try {
      SslContextBuilder b = SslContextBuilder.forServer(certChain.toFile(), key.toFile())
          .protocols(PROTOCOLS);
      if (clientCa != null) {
        b.trustManager(clientCa.toFile());
      }
      b.clientAuth(switch (clientCertificates) {
        case NONE -> ClientAuth.NONE;
        case OPTIONAL -> ClientAuth.OPTIONAL;
        case REQUIRE -> ClientAuth.REQUIRE;
      });
      return b.build();
    } catch (SSLException | RuntimeException e) {
      throw new IllegalArgumentException("cannot load TLS certificate " + certChain + " / key "
          + key + ": " + e.getMessage(), e);
    }
  }

  /**
   * A client context.
   *
   * @param trustedCa PEM CA certificates the server's certificate must chain to, or null for the
   *     JDK's default trust store
   * @param certChain PEM certificate chain to present (mutual TLS), or null for none
   * @param key PEM PKCS#8 private key of {@code certChain}, or null
   * @return the context
   * @throws IllegalArgumentException when a file cannot be read or parsed
   */
  public static SslContext client(Path trustedCa, Path certChain, Path key) {
    try {
      SslContextBuilder b = SslContextBuilder.forClient().protocols(PROTOCOLS)
          .endpointIdentificationAlgorithm("HTTPS");
      if (trustedCa != null) {
        b.trustManager(trustedCa.toFile());
      }
      if (certChain != null) {
        b.keyManager(certChain.toFile(), key == null ? null : key.toFile());
      }
      return b.build();
    } catch (SSLException | RuntimeException e) {
      throw new IllegalArgumentException("cannot load TLS client settings: " + e.getMessage(), e);
    }
  }
}
