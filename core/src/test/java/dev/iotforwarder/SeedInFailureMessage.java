package dev.iotforwarder;

import java.util.List;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * Puts a failed property's seed and sample into its failure message, so the console (and CI's log)
 * shows how to reproduce it: jqwik writes its own report to standard output, which surefire
 * redirects to a file under {@code target/} that a CI run does not keep. Registered for every
 * property of this module in {@code META-INF/services/net.jqwik.api.lifecycle.LifecycleHook}.
 *
 * <p>To reproduce a failure: {@code @Property(seed = "<seed>")} on the property re-runs the same
 * tries; keep the sample as a fixed {@code @Test} example once the bug is fixed.
 */
public final class SeedInFailureMessage implements AroundPropertyHook {

  /** Used by jqwik's service loader. */
  public SeedInFailureMessage() {}

  @Override
  public PropagationMode propagateTo() {
    return PropagationMode.ALL_DESCENDANTS;
  }

  @Override
  public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context,
      PropertyExecutor property) {
    PropertyExecutionResult result = property.execute();
    if (result.status() != PropertyExecutionResult.Status.FAILED || result.seed().isEmpty()) {
      return result;
    }
    List<Object> sample = result.falsifiedParameters().orElse(List.of());
    Throwable cause = result.throwable().orElse(null);
    AssertionError withSeed = new AssertionError("property " + context.label() + " failed with"
        + " jqwik seed " + result.seed().get() + " on sample " + sample + "; reproduce with"
        + " @Property(seed = \"" + result.seed().get() + "\"): " + cause, cause);
    return result.mapToFailed(withSeed);
  }
}
