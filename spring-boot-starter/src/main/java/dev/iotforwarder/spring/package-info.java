/**
 * Spring Boot auto-configuration of a {@link dev.iotforwarder.Forwarder} from {@code iot.forwarder.*}
 * properties ({@link dev.iotforwarder.spring.IotForwarderProperties}), with a health indicator and
 * the Micrometer meters when Actuator is present.
 *
 * <p><b>Versions.</b> Built for Spring Boot 4.0 and tested with the Micrometer, JUnit (6) and Jackson
 * its BOM manages. Override only {@code kafka-clients} to iot-forwarder's version (the README's
 * "Spring Boot starter" section says how). The iot-forwarder BOM manages no third-party version, so
 * importing it keeps Boot's JUnit 6, which Spring Framework 7's {@code SpringExtension} needs; the
 * testkit runs on it.
 */
package dev.iotforwarder.spring;
