package dev.iotforwarder.spring;

import dev.iotforwarder.Forwarder;
import dev.iotforwarder.spi.Sink;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forwarder the starter built, its sinks by name (the configured ones and the host's beans) and
 * what the starter opened for it. {@link #close()} closes the forwarder (which waits up to {@code
 * iot.forwarder.close-timeout} for accepted messages), then the sinks and clients the starter
 * opened, in reverse order of opening; the host's sink beans are left to their own lifecycle.
 *
 * @param forwarder the forwarder
 * @param sinks every sink of the forwarder, by name
 * @param owned what the starter opened (sinks, the CMQ client, the dead-letter file), in order
 */
public record ConfiguredForwarder(
    Forwarder forwarder, Map<String, Sink> sinks, List<AutoCloseable> owned)
    implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConfiguredForwarder.class);

  /** Closes the forwarder, then what the starter opened. */
  @Override
  public void close() {
    try {
      forwarder.close();
    } finally {
      closeAll(owned);
    }
  }

  static void closeAll(List<AutoCloseable> owned) {
    List<AutoCloseable> reversed = new ArrayList<>(owned);
    Collections.reverse(reversed);
    for (AutoCloseable c : reversed) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("closing {} failed: {}", c, e.toString());
      }
    }
  }
}
