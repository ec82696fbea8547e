package dev.iotforwarder.spring;

import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwarderListener;
import dev.iotforwarder.micrometer.DeliveryTimer;
import dev.iotforwarder.micrometer.ForwarderMetrics;
import dev.iotforwarder.spi.Sink;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Configures one {@link Forwarder} from {@code iot.forwarder.*} ({@link IotForwarderProperties}):
 * its CKafka and CMQ sinks, the host's {@link Sink} beans (routable by name), routes, lanes, spool
 * and dead-letter file, and every {@link ForwarderListener} bean. The forwarder is closed on
 * shutdown, waiting up to {@code iot.forwarder.close-timeout} for accepted messages. With Micrometer
 * present it registers {@link ForwarderMetrics} (and a {@link DeliveryTimer}); with Spring Boot's
 * health support, the {@code iotForwarder} health indicator.
 */
@AutoConfiguration
@ConditionalOnClass(Forwarder.class)
@ConditionalOnProperty(prefix = "iot.forwarder", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(IotForwarderProperties.class)
public class IotForwarderAutoConfiguration {

  /** Creates the auto-configuration; Spring Boot does, from the imports file. */
  public IotForwarderAutoConfiguration() {}

  /**
   * The forwarder with its sinks; closes all of it on shutdown.
   *
   * @param properties the properties
   * @param sinks the host's sink beans
   * @param listeners the listener beans
   * @return the forwarder and what it owns
   * @throws InvalidForwarderPropertiesException listing every bad property
   */
  @Bean
  @ConditionalOnMissingBean
  public ConfiguredForwarder iotConfiguredForwarder(IotForwarderProperties properties,
      ObjectProvider<Sink> sinks, ObjectProvider<ForwarderListener> listeners) {
    return new ForwarderAssembly(properties)
        .assemble(sinks.orderedStream().toList(), listeners.orderedStream().toList());
  }

  /**
   * The forwarder, for injection; {@link ConfiguredForwarder} closes it.
   *
   * @param configured the forwarder and its sinks
   * @return the forwarder
   */
  @Bean(destroyMethod = "")
  @ConditionalOnMissingBean
  public Forwarder iotForwarder(ConfiguredForwarder configured) {
    return configured.forwarder();
  }

  /** The Micrometer meters, with a registry's classes present. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({MeterRegistry.class, ForwarderMetrics.class})
  @ConditionalOnProperty(prefix = "iot.forwarder.metrics", name = "enabled", matchIfMissing = true)
  static class MetricsConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(
        prefix = "iot.forwarder.metrics", name = "delivery-timer", matchIfMissing = true)
    DeliveryTimer iotForwarderDeliveryTimer(IotForwarderProperties properties) {
      return properties.metrics().percentileHistogram()
          ? DeliveryTimer.withPercentileHistogram() : DeliveryTimer.create();
    }

    @Bean
    @ConditionalOnMissingBean
    ForwarderMetrics iotForwarderMetrics(Forwarder forwarder, IotForwarderProperties properties,
        ObjectProvider<DeliveryTimer> timer) {
      ForwarderMetrics.Builder b = ForwarderMetrics.builder(forwarder)
          .name(properties.metrics().name());
      timer.ifAvailable(b::deliveryTimer);
      return b.build();
    }
  }

  /** The health indicator, with Spring Boot's health support present. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(HealthIndicator.class)
  @ConditionalOnEnabledHealthIndicator("iotForwarder")
  static class HealthConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "iotForwarderHealthIndicator")
    ForwarderHealthIndicator iotForwarderHealthIndicator(ConfiguredForwarder configured) {
      return new ForwarderHealthIndicator(configured);
    }
  }
}
