package dev.iotforwarder.reliability.logging;

import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/**
 * A logger that formats each event it is enabled for and hands it to {@link LogCapture}. Its
 * threshold comes from {@link LogCapture#thresholdFor(String)}: every level (TRACE) for all loggers
 * except the Kafka broker's internals, which log at INFO (their DEBUG output is millions of lines
 * and holds no client secret).
 */
final class CapturingLogger extends LegacyAbstractLogger {
  private static final long serialVersionUID = 1L;

  private final int threshold;

  CapturingLogger(String name) {
    this.name = name;
    this.threshold = LogCapture.thresholdFor(name).toInt();
  }

  private boolean enabled(Level level) {
    return level.toInt() >= threshold;
  }

  @Override
  public boolean isTraceEnabled() {
    return enabled(Level.TRACE);
  }

  @Override
  public boolean isDebugEnabled() {
    return enabled(Level.DEBUG);
  }

  @Override
  public boolean isInfoEnabled() {
    return enabled(Level.INFO);
  }

  @Override
  public boolean isWarnEnabled() {
    return enabled(Level.WARN);
  }

  @Override
  public boolean isErrorEnabled() {
    return enabled(Level.ERROR);
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null;
  }

  @Override
  protected void handleNormalizedLoggingCall(
      Level level, Marker marker, String messagePattern, Object[] arguments, Throwable throwable) {
    if (!enabled(level)) {
      return;
    }
    String message = MessageFormatter.basicArrayFormat(messagePattern, arguments);
    LogCapture.record(level, name, message, throwable);
  }
}
