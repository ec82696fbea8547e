package dev.iotforwarder.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotforwarder.testkit.internal.TlsListener;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LocalKafka's TLS option without a broker: the certificate made at test time, and the misuses. */
class LocalKafkaTlsTest {
  @Test
  void theCertificateNamesLoopbackAndIsDeletedAfterwards(@TempDir Path dir) throws Exception {
    TlsListener tls = TlsListener.create(dir);
    X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
        new ByteArrayInputStream(tls.certificatePem().getBytes(StandardCharsets.US_ASCII)));
    assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=localhost");
    assertThat(cert.getSubjectAlternativeNames()).contains(List.of(7, "127.0.0.1"), List.of(2, "localhost"));
    assertThat(tls.brokerProperties()).containsEntry("listener.security.protocol.map",
        "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_SSL");
    assertThat(tls.clientProperties()).containsEntry("ssl.truststore.type", "PEM");
    try (var files = Files.list(dir)) {
      assertThat(files).hasSize(1);
    }
    tls.delete();
    try (var files = Files.list(dir)) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void saslSslNeedsAUser() {
    assertThatThrownBy(() -> LocalKafka.builder().saslSsl().start())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("saslSsl was set but no saslUser");
  }
}
