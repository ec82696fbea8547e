package dev.iotforwarder.cmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotforwarder.cmq.internal.FormEncoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CmqSignerTest {
  private static Clock at(long epochSecond) {
    return Clock.fixed(Instant.ofEpochSecond(epochSecond), ZoneOffset.UTC);
  }

  @Test
  @DisplayName("TV-1: the official CMQ doc example, HmacSHA1 over the POST string")
  void tv1Sha1() {
    CmqSigner signer = CmqSigner.builder(
            CmqCredentials.of("AKIDPcYDclDJCn8D0Xypa4f3pKYUCVYLn3zT", "pPgfLipfEXZ7VcRzhAMIyPaU7UbQyFFx"))
        .signatureMethod(SignatureMethod.HMAC_SHA1)
        .clock(at(1534154812))
        .nonceSource(() -> 2889712707386595659L)
        .requestClient("SDK_Python_1.3")
        .build();
    Map<String, String> action = new LinkedHashMap<>();
    action.put("queueName", "test1");
    action.put("msgBody", "msg");
    action.put("delaySeconds", "0");
    action.put("clientRequestId", "1231231231");
    CmqEndpoint endpoint = CmqEndpoint.legacyQueuePrivate("gz");
    Map<String, String> signed = signer.sign(endpoint, "SendMessage", action);

    assertThat(CmqSigner.stringToSign("POST", endpoint.host(), endpoint.path(), signed)).isEqualTo(
        "POSTcmq-queue-gz.api.tencentyun.com/v2/index.php?Action=SendMessage&Nonce=2889712707386595659"
            + "&RequestClient=SDK_Python_1.3&SecretId=AKIDPcYDclDJCn8D0Xypa4f3pKYUCVYLn3zT"
            + "&SignatureMethod=HmacSHA1&Timestamp=1534154812&clientRequestId=1231231231&delaySeconds=0"
            + "&msgBody=msg&queueName=test1");
    assertThat(signed.get("Signature")).isEqualTo("C16WEtEXsD5v5tnaUMLAbZewXhI=");
    assertThat(List.copyOf(signed.keySet())).containsExactly("Action", "Nonce", "RequestClient",
        "SecretId", "SignatureMethod", "Timestamp", "clientRequestId", "delaySeconds", "msgBody",
        "queueName", "Signature");
  }

  @Test
  @DisplayName("TV-1: the GET erratum and the HmacSHA256 variant")
  void tv1Variants() {
    String key = "pPgfLipfEXZ7VcRzhAMIyPaU7UbQyFFx";
    String query = "?Action=SendMessage&Nonce=2889712707386595659&RequestClient=SDK_Python_1.3"
        + "&SecretId=AKIDPcYDclDJCn8D0Xypa4f3pKYUCVYLn3zT&SignatureMethod=HmacSHA1&Timestamp=1534154812"
        + "&clientRequestId=1231231231&delaySeconds=0&msgBody=msg&queueName=test1";
    assertThat(CmqSigner.hmacBase64(SignatureMethod.HMAC_SHA1, key,
        "GETcmq-queue-gz.api.tencentyun.com/v2/index.php" + query))
        .isEqualTo("fkR3mzm6NfEbQqgF0B+Fd4rFLtM=");

    CmqSigner signer = CmqSigner.builder(CmqCredentials.of("AKIDPcYDclDJCn8D0Xypa4f3pKYUCVYLn3zT", key))
        .clock(at(1534154812))
        .nonceSource(() -> 2889712707386595659L)
        .requestClient("SDK_Python_1.3")
        .build();
    Map<String, String> signed = signer.sign(CmqEndpoint.legacyQueuePrivate("gz"), "SendMessage",
        Map.of("queueName", "test1", "msgBody", "msg", "delaySeconds", "0", "clientRequestId", "1231231231"));
    assertThat(signed.get("SignatureMethod")).isEqualTo("HmacSHA256");
    assertThat(signed.get("Signature")).isEqualTo("7aNNVzszJftqWPLvvnHU3lDznBYFPof7ACkTD3OJUu4=");
  }

  @Test
  @DisplayName("TV-2: the generic API 2.0 examples, GET, with Region and an indexed parameter")
  void tv2() {
    String key = "Gu5t9xGARNpq86cd98joQYCN3Cozk1qA";
    Map<String, String> p1 = Map.of("Action", "DescribeInstances", "Nonce", "345122", "Region", "gz",
        "SecretId", "AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA", "Timestamp", "1408704141");
    String s1 = CmqSigner.stringToSign("GET", "cvm.api.qcloud.com", "/v2/index.php", p1);
    assertThat(s1).isEqualTo("GETcvm.api.qcloud.com/v2/index.php?Action=DescribeInstances&Nonce=345122"
        + "&Region=gz&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA&Timestamp=1408704141");
    assertThat(CmqSigner.hmacBase64(SignatureMethod.HMAC_SHA1, key, s1)).isEqualTo("HgIYOPcx5lN6gz8JsCFBNAWp2oQ=");

    Map<String, String> p2 = new LinkedHashMap<>();
    p2.put("Timestamp", "1465185768");
    p2.put("SignatureMethod", "HmacSHA1");
    p2.put("SecretId", "AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA");
    p2.put("Region", "ap-guangzhou");
    p2.put("Nonce", "11886");
    p2.put("InstanceIds.0", "ins-09dx96dg");
    p2.put("Action", "DescribeInstances");
    String s2 = CmqSigner.stringToSign("GET", "cvm.api.qcloud.com", "/v2/index.php", p2);
    assertThat(s2).isEqualTo("GETcvm.api.qcloud.com/v2/index.php?Action=DescribeInstances"
        + "&InstanceIds.0=ins-09dx96dg&Nonce=11886&Region=ap-guangzhou"
        + "&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA&SignatureMethod=HmacSHA1&Timestamp=1465185768");
    assertThat(CmqSigner.hmacBase64(SignatureMethod.HMAC_SHA1, key, s2)).isEqualTo("nPVnY6njQmwQ8ciqbPl5Qe+Oru4=");
    p2.put("SignatureMethod", "HmacSHA256");
    String s3 = CmqSigner.stringToSign("GET", "cvm.api.qcloud.com", "/v2/index.php", p2);
    assertThat(CmqSigner.hmacBase64(SignatureMethod.HMAC_SHA256, key, s3))
        .isEqualTo("0EEm/HtGRr/VJXTAD9tYMth1Bzm3lLHz5RCDv1GdM8s=");
  }

  @Test
  @DisplayName("TV-3: the Python SDK's self-test")
  void tv3() {
    String s = CmqSigner.stringToSign("POST", "cmq-gz.api.qcloud.com", "/v2/index.php", Map.of("b", "2", "a", "1"));
    assertThat(s).isEqualTo("POSTcmq-gz.api.qcloud.com/v2/index.php?a=1&b=2");
    assertThat(CmqSigner.hmacBase64(SignatureMethod.HMAC_SHA1, "xxx", s)).isEqualTo("NiFjxPEqU/plHmeNH2yGAHW80Kk=");
  }

  @Test
  @DisplayName("TV-4: batch indexes sort as text, raw values are signed, the body is URL-encoded")
  void tv4() {
    CmqSigner signer = CmqSigner.builder(CmqCredentials.of("AKIDexample", "secretKeyExample"))
        .clock(at(1700000000))
        .nonceSource(() -> 12345)
        .requestClient("SDK_JAVA_1.3")
        .build();
    Map<String, String> action = new LinkedHashMap<>();
    action.put("queueName", "q1");
    action.put("delaySeconds", "0");
    for (int i = 1; i <= 11; i++) {
      action.put("msgBody." + i, i == 2 ? "héllo wörld&=+" : "m" + i);
    }
    CmqEndpoint endpoint = CmqEndpoint.tdmqPublic("gz");
    Map<String, String> signed = signer.sign(endpoint, "BatchSendMessage", action);
    assertThat(CmqSigner.stringToSign("POST", endpoint.host(), endpoint.path(), signed)).isEqualTo(
        "POSTcmq-gz.public.tencenttdmq.com/?Action=BatchSendMessage&Nonce=12345&RequestClient=SDK_JAVA_1.3"
            + "&SecretId=AKIDexample&SignatureMethod=HmacSHA256&Timestamp=1700000000&delaySeconds=0"
            + "&msgBody.1=m1&msgBody.10=m10&msgBody.11=m11&msgBody.2=héllo wörld&=+&msgBody.3=m3"
            + "&msgBody.4=m4&msgBody.5=m5&msgBody.6=m6&msgBody.7=m7&msgBody.8=m8&msgBody.9=m9&queueName=q1");
    assertThat(signed.get("Signature")).isEqualTo("paDTuw9FTIEmJ2x9tPB7Zh5vPVVaNH/EOWIL/suqT7E=");
    String body = new String(FormEncoder.encode(signed), StandardCharsets.US_ASCII);
    assertThat(body)
        .contains("Signature=paDTuw9FTIEmJ2x9tPB7Zh5vPVVaNH%2FEOWIL%2FsuqT7E%3D")
        .contains("msgBody.2=h%C3%A9llo+w%C3%B6rld%26%3D%2B")
        .startsWith("Action=BatchSendMessage&");
  }

  @Test
  @DisplayName("the form encoder agrees with URLEncoder, including non-BMP characters")
  void formEncoderMatchesUrlEncoder() {
    String value = "a b+c&d=e/ü€😀\"{}\n~'!()*-._";
    Map<String, String> p = new LinkedHashMap<>();
    p.put("msgBody.1", value);
    p.put("x_y", "");
    assertThat(new String(FormEncoder.encode(p), StandardCharsets.US_ASCII))
        .isEqualTo("msgBody.1=" + URLEncoder.encode(value, StandardCharsets.UTF_8) + "&x_y=");
  }

  @Test
  @DisplayName("an underscore in a name is signed as a dot, and sorting uses the original names")
  void underscoreBecomesDot() {
    assertThat(CmqSigner.stringToSign("POST", "h", "/", Map.of("a_b", "1", "a.c", "2")))
        .isEqualTo("POSTh/?a.c=2&a.b=1");
  }

  @Test
  @DisplayName("every call has a fresh Timestamp and Nonce, and the token is signed when present")
  void freshPerCall() {
    AtomicLong nonce = new AtomicLong(100);
    AtomicLong now = new AtomicLong(1_700_000_000);
    Clock clock = new Clock() {
      @Override
      public java.time.ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return Instant.ofEpochSecond(now.getAndIncrement());
      }
    };
    CmqSigner signer = CmqSigner.builder(CmqCredentials.of("AKIDx", "k", "sts-token"))
        .clock(clock).nonceSource(nonce::incrementAndGet).requestClient(null).build();
    CmqEndpoint e = CmqEndpoint.of("http://127.0.0.1:9/");
    Map<String, String> a = signer.sign(e, "SendMessage", Map.of("queueName", "q", "msgBody", "m"));
    Map<String, String> b = signer.sign(e, "SendMessage", Map.of("queueName", "q", "msgBody", "m"));
    assertThat(a.get("Nonce")).isEqualTo("101");
    assertThat(b.get("Nonce")).isEqualTo("102");
    assertThat(a.get("Timestamp")).isNotEqualTo(b.get("Timestamp"));
    assertThat(a.get("Signature")).isNotEqualTo(b.get("Signature"));
    assertThat(a).containsEntry("Token", "sts-token").doesNotContainKey("RequestClient");
    String expected = CmqSigner.hmacBase64(SignatureMethod.HMAC_SHA256, "k",
        CmqSigner.stringToSign("POST", "127.0.0.1:9", "/", a));
    assertThat(a.get("Signature")).isEqualTo(expected);
  }

  @Test
  @DisplayName("common parameters cannot be smuggled in, and a bad nonce source is caught")
  void rejectsMisuse() {
    CmqSigner signer = CmqSigner.of(CmqCredentials.of("AKIDx", "k"));
    CmqEndpoint e = CmqEndpoint.tdmqPublic("gz");
    assertThatThrownBy(() -> signer.sign(e, "SendMessage", Map.of("Nonce", "1")))
        .hasMessageContaining("common parameter Nonce");
    CmqSigner zero = CmqSigner.builder(CmqCredentials.of("AKIDx", "k")).nonceSource(() -> 0).build();
    assertThatThrownBy(() -> zero.sign(e, "SendMessage", Map.of()))
        .isInstanceOf(IllegalStateException.class);
    assertThat(signer.toString()).doesNotContain("=k,").doesNotContain("=k]");
  }

  @Test
  @DisplayName("default nonces are 63-bit, so thousands of requests in one second do not repeat one")
  void defaultNoncesUseSixtyThreeBits() {
    CmqSigner signer = CmqSigner.of(CmqCredentials.of("AKIDx", "k"));
    CmqEndpoint e = CmqEndpoint.tdmqPublic("gz");
    java.util.Set<Long> nonces = new java.util.HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      nonces.add(Long.parseLong(signer.sign(e, "SendMessage", Map.of()).get("Nonce")));
    }
    // 31-bit nonces repeat among 10,000 with probability 2%; 63-bit ones practically never.
    assertThat(nonces).hasSize(10_000).allSatisfy(n -> assertThat(n).isPositive());
    assertThat(nonces.stream().filter(n -> n > Integer.MAX_VALUE).count()).isGreaterThan(9_900);
  }

  @Test
  @DisplayName("credentials never show the key or the token, and name each missing part")
  void credentials() {
    CmqCredentials c = CmqCredentials.of("AKIDabc", "super-secret-key", "super-secret-token");
    assertThat(c.toString()).contains("AKIDabc").doesNotContain("super-secret");
    assertThat(c.hasToken()).isTrue();
    assertThatThrownBy(() -> CmqCredentials.of(" ", null, ""))
        .hasMessage("Invalid CmqCredentials: secretId is blank; secretKey == null; token is blank");
  }

  @Test
  @DisplayName("endpoints: presets, and the path chosen by host unless given")
  void endpoints() {
    assertThat(CmqEndpoint.tdmqPublic("gz").url()).isEqualTo("https://cmq-gz.public.tencenttdmq.com/");
    assertThat(CmqEndpoint.tdmqPrivate("sh").url()).isEqualTo("http://sh.mqadapter.cmq.tencentyun.com/");
    assertThat(CmqEndpoint.legacyQueuePublic("bj").url()).isEqualTo("https://cmq-queue-bj.api.qcloud.com/v2/index.php");
    assertThat(CmqEndpoint.legacyQueuePrivate("gz").url()).isEqualTo("http://cmq-queue-gz.api.tencentyun.com/v2/index.php");
    assertThat(CmqEndpoint.legacyTopicPublic("hk").url()).isEqualTo("https://cmq-topic-hk.api.qcloud.com/v2/index.php");
    assertThat(CmqEndpoint.legacyTopicPrivate("hk").url()).isEqualTo("http://cmq-topic-hk.api.tencentyun.com/v2/index.php");

    assertThat(CmqEndpoint.of("https://cmq-queue-gz.api.qcloud.com/")).satisfies(e -> {
      assertThat(e.host()).isEqualTo("cmq-queue-gz.api.qcloud.com");
      assertThat(e.path()).isEqualTo("/v2/index.php");
    });
    assertThat(CmqEndpoint.of("https://cmq-gz.publicXYZ.tencenttdmq.com").path()).isEqualTo("/");
    assertThat(CmqEndpoint.of("http://127.0.0.1:8080/v2/index.php/")).satisfies(e -> {
      assertThat(e.host()).isEqualTo("127.0.0.1:8080");
      assertThat(e.path()).isEqualTo("/v2/index.php");
    });
    assertThat(CmqEndpoint.tdmqPublic("gz").withPath("/v2/index.php").url())
        .isEqualTo("https://cmq-gz.public.tencenttdmq.com/v2/index.php");
    assertThat(CmqEndpoint.of("http://h:1")).isEqualTo(CmqEndpoint.of("http://h:1/"));

    assertThatThrownBy(() -> CmqEndpoint.of("ftp://h")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CmqEndpoint.of("http://h/?a=1")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CmqEndpoint.tdmqPublic("G Z")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CmqEndpoint.tdmqPublic("gz").withPath("v2")).isInstanceOf(IllegalArgumentException.class);
  }
}
