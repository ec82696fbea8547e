package dev.iotforwarder.testkit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A JUnit 5 extension that shares one {@link LocalKafka} per test JVM and injects it as a parameter
 * of test methods, lifecycle methods and constructors.
 *
 * <pre>{@code
 * @ExtendWith(LocalKafkaExtension.class)
 * class OrdersTest {
 *   @Test
 *   void delivers(LocalKafka kafka) {
 *     String topic = kafka.createUniqueTopic("orders", 4);
 *     ...
 *   }
 * }
 * }</pre>
 *
 * <p>The broker starts the first time a test asks for it and is kept in the root {@link
 * ExtensionContext.Store}, so every test class in the run shares it; JUnit closes it (and it deletes
 * its files) when the run ends. Under Surefire's default of one forked JVM per module, that is one
 * broker per module. Give each test its own topics ({@link LocalKafka#createUniqueTopic}).
 *
 * <p>The shared broker has a SASL_PLAINTEXT/PLAIN listener with one CKafka-style user, {@link
 * #SASL_USERNAME} with password {@link #SASL_PASSWORD}. A test that needs other settings builds its
 * own broker with {@link LocalKafka#builder()}. A test that calls {@link LocalKafka#stop()} on the
 * shared broker must {@link LocalKafka#restart()} it before it ends.
 */
public final class LocalKafkaExtension implements ParameterResolver {
  /** The CKafka-style instance id of the shared broker's SASL user. */
  public static final String SASL_INSTANCE_ID = "ckafka-local";

  /** The user name (without the instance id) of the shared broker's SASL user. */
  public static final String SASL_USER = "tester";

  /** The full SASL user name as the broker sees it: {@code ckafka-local#tester}. */
  public static final String SASL_USERNAME = SASL_INSTANCE_ID + "#" + SASL_USER;

  /** The SASL user's password. A test value, not a secret. */
  public static final String SASL_PASSWORD = "local-kafka-test-password";

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(LocalKafkaExtension.class);

  /** Creates the extension; JUnit calls this. */
  public LocalKafkaExtension() {}

  /**
   * The broker shared by every test in this JVM, started on first use.
   *
   * @param context any extension context of the run
   * @return the running broker
   * @throws IllegalStateException if it could not be started
   */
  public static LocalKafka sharedBroker(ExtensionContext context) {
    return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(
        LocalKafka.class,
        k -> LocalKafka.builder().saslUser(SASL_USERNAME, SASL_PASSWORD).start(),
        LocalKafka.class);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
    return parameterContext.getParameter().getType() == LocalKafka.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
    return sharedBroker(extensionContext);
  }
}
