/**
 * Spring Boot auto-configuration of a {@link dev.iotforwarder.Forwarder} from {@code iot.forwarder.*}
 * properties ({@link dev.iotforwarder.spring.IotForwarderProperties}), with a health indicator and
 * the Micrometer meters when Actuator is present.
 */
package dev.iotforwarder.spring;
