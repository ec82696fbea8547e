package dev.iotforwarder.connect.internal;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;

/** Validators and helpers the two connectors' configurations share. */
public final class ConfigChecks {
  private ConfigChecks() {}

  /**
   * A list with at least one non-blank entry and no blank ones.
   *
   * @return the validator
   */
  public static ConfigDef.Validator nonEmptyList() {
    return new ConfigDef.Validator() {
      @Override
      public void ensureValid(String name, Object value) {
        List<?> list = (List<?>) value;
        if (list == null || list.isEmpty()) {
          throw new ConfigException(name, value, "at least one name is required");
        }
        for (Object entry : list) {
          if (entry == null || entry.toString().isBlank()) {
            throw new ConfigException(name, value, "a name in the list is empty");
          }
        }
      }

      @Override
      public String toString() {
        return "a non-empty comma-separated list of names";
      }
    };
  }

  /**
   * Records a problem on a key of a validation result (adding the key if absent).
   *
   * @param config the result
   * @param key the key
   * @param message the problem
   */
  public static void addError(Config config, String key, String message) {
    for (ConfigValue v : config.configValues()) {
      if (v.name().equals(key)) {
        v.addErrorMessage(message);
        return;
      }
    }
    ConfigValue v = new ConfigValue(key);
    v.addErrorMessage(message);
    config.configValues().add(v);
  }

  /**
   * Throws if a validation result holds any problem, listing them all.
   *
   * @param config the result
   * @param what what was validated, e.g. {@code "CmqSourceConnector configuration"}
   * @throws ConfigException naming every key with a problem
   */
  public static void throwIfInvalid(Config config, String what) {
    StringBuilder sb = new StringBuilder();
    for (ConfigValue v : config.configValues()) {
      for (String error : v.errorMessages()) {
        sb.append(sb.length() == 0 ? "" : "; ").append(error);
      }
    }
    if (sb.length() > 0) {
      throw new ConfigException("Invalid " + what + ": " + sb);
    }
  }

  /**
   * The value of a key, or a default.
   *
   * @param props the properties
   * @param key the key
   * @param dflt the default
   * @return the value, trimmed
   */
  public static String get(Map<String, String> props, String key, String dflt) {
    String v = props.get(key);
    return v == null ? dflt : v.trim();
  }
}
