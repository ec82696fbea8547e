package dev.iotforwarder.testkit.internal;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * LocalKafka's broker configuration: a single KRaft node (combined broker and controller) on
 * loopback ports, a PLAINTEXT listener and, with SASL users, a SASL_PLAINTEXT/PLAIN listener whose
 * JAAS settings are listener-scoped; every internal topic with one partition and one replica, a small
 * log-cleaner buffer (2 MiB instead of 128 MiB), and no automatic topic creation. The user's broker
 * properties go last and override any of these.
 */
public final class KafkaBrokerConfig {
  private KafkaBrokerConfig() {}

  /**
   * The broker's configuration.
   *
   * @param plainPort the PLAINTEXT listener's port
   * @param controllerPort the controller listener's port
   * @param saslPort the SASL_PLAINTEXT listener's port (unused without SASL users)
   * @param dir the broker's directory; the data go in {@code data} under it
   * @param saslUsers password by user name; empty for no SASL listener
   * @param brokerProperties the user's overrides
   * @return the configuration, sorted by key
   */
  public static Map<String, String> of(int plainPort, int controllerPort, int saslPort, Path dir,
      Map<String, String> saslUsers, Map<String, String> brokerProperties) {
    Map<String, String> c = new TreeMap<>();
    String plain = "PLAINTEXT://127.0.0.1:" + plainPort;
    String controller = "CONTROLLER://127.0.0.1:" + controllerPort;
    String sasl = "SASL_PLAINTEXT://127.0.0.1:" + saslPort;
    boolean withSasl = !saslUsers.isEmpty();
    c.put("process.roles", "broker,controller");
    c.put("node.id", "1");
    c.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    c.put("controller.listener.names", "CONTROLLER");
    c.put("listeners", plain + "," + controller + (withSasl ? "," + sasl : ""));
    c.put("advertised.listeners", plain + (withSasl ? "," + sasl : ""));
    c.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
        + (withSasl ? ",SASL_PLAINTEXT:SASL_PLAINTEXT" : ""));
    c.put("inter.broker.listener.name", "PLAINTEXT");
    c.put("log.dirs", dir.resolve("data").toString());
    c.put("offsets.topic.replication.factor", "1");
    c.put("offsets.topic.num.partitions", "1");
    c.put("transaction.state.log.replication.factor", "1");
    c.put("transaction.state.log.min.isr", "1");
    c.put("transaction.state.log.num.partitions", "1");
    c.put("share.coordinator.state.topic.replication.factor", "1");
    c.put("share.coordinator.state.topic.min.isr", "1");
    c.put("group.initial.rebalance.delay.ms", "0");
    c.put("log.cleaner.dedupe.buffer.size", String.valueOf(2 * 1024 * 1024));
    c.put("auto.create.topics.enable", "false");
    if (withSasl) {
      StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
      // The option key must be quoted: unquoted, the '#' of a CKafka user name ends the parse.
      saslUsers.forEach((user, password) -> jaas.append(" \"user_").append(jaasEscape(user))
          .append("\"=\"").append(jaasEscape(password)).append('"'));
      jaas.append(';');
      c.put("listener.name.sasl_plaintext.sasl.enabled.mechanisms", "PLAIN");
      c.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", jaas.toString());
    }
    c.putAll(brokerProperties);
    return c;
  }

  /**
   * A client's {@code sasl.jaas.config} for the PLAIN mechanism.
   *
   * @param username the user
   * @param password the password
   * @return the JAAS line, with both values escaped
   */
  public static String clientJaas(String username, String password) {
    return "org.apache.kafka.common.security.plain.PlainLoginModule required"
        + " username=\"" + jaasEscape(username) + "\" password=\"" + jaasEscape(password) + "\";";
  }

  /** Escapes a JAAS option value for use between double quotes. */
  private static String jaasEscape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }
}
