package com.example.spring;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.spring.ConfiguredForwarder;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring Boot gateway's code, compiled against the published starter: the forwarder comes from
 * {@code iot.forwarder.*} properties (the starter's auto-configuration); this class only uses it.
 */
@SpringBootApplication
public class GatewayApplication {
  private final ConfiguredForwarder configured;

  /**
   * The gateway.
   *
   * @param configured the forwarder the starter built
   */
  public GatewayApplication(ConfiguredForwarder configured) {
    this.configured = configured;
  }

  /**
   * Forwards one device's status.
   *
   * @param product the product
   * @param device the device
   * @param event the event, e.g. Online
   */
  public void status(String product, String device, String event) {
    configured.forwarder().forward(DeviceMessage.status(product, device, "0", event, 0));
  }
}
