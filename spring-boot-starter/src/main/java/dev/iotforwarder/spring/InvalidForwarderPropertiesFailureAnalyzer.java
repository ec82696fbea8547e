package dev.iotforwarder.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Shows a startup that failed on {@code iot.forwarder.*} as Spring Boot shows bad properties: the
 * list of problems by property name and what to do, instead of the nested bean-creation exceptions.
 */
final class InvalidForwarderPropertiesFailureAnalyzer
    extends AbstractFailureAnalyzer<InvalidForwarderPropertiesException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, InvalidForwarderPropertiesException cause) {
    return new FailureAnalysis(cause.getMessage(),
        "Correct the iot.forwarder properties listed above (application.yml, the environment or"
            + " the command line); the README's \"Spring Boot starter\" section shows each of them.",
        cause);
  }
}
