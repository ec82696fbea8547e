package dev.iotforwarder.reliability.logging;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J 2 provider of the reliability suite: every logger hands every event it is enabled for
 * to {@link LogCapture}, which checks it for secrets. Registered through {@code
 * META-INF/services/org.slf4j.spi.SLF4JServiceProvider} in the test resources and selected
 * explicitly with the system property {@code slf4j.provider} (set in the examples POM), so that
 * slf4j-simple, a runtime dependency of the examples module, never wins.
 */
public final class CapturingServiceProvider implements SLF4JServiceProvider {
  private ILoggerFactory loggerFactory;
  private IMarkerFactory markerFactory;
  private MDCAdapter mdcAdapter;

  /** Called by SLF4J's service loader. */
  public CapturingServiceProvider() {}

  @Override
  public ILoggerFactory getLoggerFactory() {
    return loggerFactory;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markerFactory;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdcAdapter;
  }

  @Override
  public String getRequestedApiVersion() {
    return "2.0.99";
  }

  @Override
  public void initialize() {
    loggerFactory = new CapturingLoggerFactory();
    markerFactory = new BasicMarkerFactory();
    mdcAdapter = new BasicMDCAdapter();
  }
}
