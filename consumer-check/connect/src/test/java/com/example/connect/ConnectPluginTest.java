package com.example.connect;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iotforwarder.connect.CmqSinkConnector;
import dev.iotforwarder.connect.CmqSourceConnector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/** The published plugin zip holds what a worker's plugin.path needs; the connectors' jar loads. */
class ConnectPluginTest {
  @Test
  void thePluginZipHoldsTheConnectorsTheirDependenciesAndTheirLicences() throws IOException {
    Path zip = Path.of(System.getProperty("plugin.zip"));
    assertTrue(Files.isRegularFile(zip), "resolved " + zip);
    try (ZipFile z = new ZipFile(zip.toFile())) {
      List<String> names = z.stream().map(ZipEntry::getName).toList();
      for (String part : List.of("/manifest.json", "/lib/iot-forwarder-connect-cmq-",
          "/lib/iot-forwarder-sink-cmq-", "/lib/iot-forwarder-core-", "/lib/okhttp-jvm-",
          "/doc/LICENSE", "/doc/NOTICE", "/doc/THIRD-PARTY.txt")) {
        assertTrue(names.stream().anyMatch(n -> n.contains(part)), part + " in " + names);
      }
      assertTrue(names.stream().noneMatch(n -> n.contains("/lib/kafka-clients-")
          || n.contains("/lib/connect-api-")), "the worker's own jars are not bundled: " + names);
    }
  }

  @Test
  void theConnectorsDescribeTheirConfiguration() {
    assertTrue(new CmqSinkConnector().config().names().contains("cmq.queue"));
    assertTrue(new CmqSourceConnector().config().names().contains("cmq.queues"));
    assertTrue(!new CmqSinkConnector().version().isBlank());
  }
}
