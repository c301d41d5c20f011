package io.synod.server.bench;

/** TLS for the load tool's JDK HTTP client. */
public final class BenchTls {
  private BenchTls() {}

  /**
   * An SSL context trusting the CA certificates of a PEM file.
   *
   * @param caPem the PEM file
   * @return the context
   * @throws IllegalArgumentException when the file cannot be read
   */
  public static javax.net.ssl.SSLContext trusting(java.nio.file.Path caPem) {
    try (java.io.InputStream in = java.nio.file.Files.newInputStream(caPem)) {
      java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      int i = 0;
      for (java.security.cert.Certificate c : java.security.cert.CertificateFactory
          .getInstance("X.509").generateCertificates(in)) {
        ks.setCertificateEntry("ca" + i++, c);
      }
      javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
          javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (java.io.IOException | java.security.GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot read the CA certificates in " + caPem + ": "
          + e.getMessage(), e);
    }
  }
}
