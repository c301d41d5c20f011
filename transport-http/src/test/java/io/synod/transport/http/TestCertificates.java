package io.synod.transport.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * (Shared with node-server's tests through this module's test-jar.) Certificates a test makes for itself with the JDK's {@code keytool} (no extra dependency): a
 * CA, and certificates it signed for {@code localhost}/{@code 127.0.0.1}, written as the PEM
 * files the TLS settings take (certificate chain, PKCS#8 key, CA certificate).
 */
public final class TestCertificates {
  private static final String PASS = "test-pass";
  private final Path dir;
  private final Path caStore;

  /** One issued certificate: its chain, its key, and the CA certificate. */
  public record Issued(Path certChain, Path key, Path ca) {}

  /** One CA with a "node" and a "client" certificate, shared by the test classes of a JVM. */
  public record Shared(TestCertificates ca, Issued node, Issued client) {}

  private static Shared shared;

  /**
   * The certificates every TLS test of this module uses, made once per JVM (each keytool run
   * starts a JVM, seconds on a loaded machine) in a temporary directory removed at exit.
   *
   * @return the shared CA and certificates
   */
  public static synchronized Shared shared() throws IOException {
    if (shared == null) {
      Path dir = Files.createTempDirectory("synod-test-tls");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
          files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
          // best effort: the directory is under the system's temporary directory
        }
      }));
      TestCertificates ca = ca(dir, "synod-test-ca");
      shared = new Shared(ca, ca.issue("node"), ca.issue("client"));
    }
    return shared;
  }

  private TestCertificates(Path dir) {
    this.dir = dir;
    this.caStore = dir.resolve("ca.p12");
  }

  /**
   * Makes a CA in a directory.
   *
   * @param dir where the files go
   * @param name the CA's common name
   * @return the CA
   */
  public static TestCertificates ca(Path dir, String name) throws IOException {
    Files.createDirectories(dir);
    TestCertificates c = new TestCertificates(dir);
    c.keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=" + name, "-ext", "bc:c", "-validity", "2", "-keystore",
        c.caStore.toString(), "-storetype", "PKCS12", "-storepass", PASS, "-keypass", PASS);
    c.keytool("-exportcert", "-alias", "ca", "-rfc", "-keystore", c.caStore.toString(),
        "-storepass", PASS, "-file", c.caPem().toString());
    return c;
  }

  /** @return the CA certificate, PEM */
  public Path caPem() {
    return dir.resolve("ca.pem");
  }

  /**
   * Issues a certificate valid for {@code localhost} and {@code 127.0.0.1}, for servers and
   * clients alike.
   *
   * @param name the common name and file prefix
   * @return the PEM files
   */
  public Issued issue(String name) throws IOException {
    Path store = dir.resolve(name + ".p12");
    keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=" + name, "-validity", "2", "-keystore", store.toString(),
        "-storetype", "PKCS12", "-storepass", PASS, "-keypass", PASS);
    Path csr = dir.resolve(name + ".csr");
    keytool("-certreq", "-alias", name, "-keystore", store.toString(), "-storepass", PASS,
        "-file", csr.toString());
    Path crt = dir.resolve(name + ".crt");
    keytool("-gencert", "-alias", "ca", "-keystore", caStore.toString(), "-storepass", PASS,
        "-infile", csr.toString(), "-outfile", crt.toString(), "-rfc", "-validity", "2",
        "-ext", "san=dns:localhost,ip:127.0.0.1", "-ext", "eku=serverAuth,clientAuth");
    Path chain = dir.resolve(name + "-chain.pem");
    Files.writeString(chain, Files.readString(crt) + Files.readString(caPem()));
    Path key = dir.resolve(name + "-key.pem");
    try (InputStream in = Files.newInputStream(store)) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(in, PASS.toCharArray());
      PrivateKey pk = (PrivateKey) ks.getKey(name, PASS.toCharArray());
      Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n"
          + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
              .encodeToString(pk.getEncoded())
          + "\n-----END PRIVATE KEY-----\n");
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException(e);
    }
    return new Issued(chain, key, caPem());
  }

  private void keytool(String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("keytool timed out: " + cmd);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException(e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IOException("keytool failed (" + p.exitValue() + "): " + out + "\n" + cmd);
    }
  }
}
