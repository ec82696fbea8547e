package dev.iotforwarder.testkit.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Reading a CMQ request's decoded parameters as the service does: required ones, bounded integers,
 * indexed lists ({@code msgBody.0}, {@code msgBody.1}, ...) and queue or topic names. Every problem
 * is a {@link CmqError} with the code and module code the CMQ documentation gives.
 */
public final class CmqParams {
  /** A queue or topic name: a letter, then up to 63 letters, digits, {@code -} or {@code _}. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,63}");

  private CmqParams() {}

  /**
   * Whether a queue or topic name is valid.
   *
   * @param name the name, or null
   * @return {@code true} if it is valid
   */
  public static boolean validName(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  /**
   * A required parameter (4000/10010 if missing).
   *
   * @param p the parameters
   * @param name the parameter's name
   * @return its value
   */
  public static String required(Map<String, String> p, String name) {
    String v = p.get(name);
    if (v == null) {
      throw new CmqError(4000, 10010, "param " + name + " missing");
    }
    return v;
  }

  /**
   * {@code delaySeconds} in milliseconds: 0 to 3600 s, default 0.
   *
   * @param p the parameters
   * @return the delay
   */
  public static long delayMillis(Map<String, String> p) {
    return intParam(p, "delaySeconds", false, 0, 3600, 10000) * 1000L;
  }

  /**
   * {@code pollingWaitSeconds} in milliseconds: 0 to 30 s, default 0.
   *
   * @param p the parameters
   * @return the wait
   */
  public static long pollingWaitMillis(Map<String, String> p) {
    return intParam(p, "pollingWaitSeconds", false, 0, 30, 10000) * 1000L;
  }

  /**
   * An integer parameter in {@code [min, max]}; 4000 with {@code module} if it is not.
   *
   * @param p the parameters
   * @param name the parameter's name
   * @param required whether a missing parameter is an error (otherwise it is 0)
   * @param min the smallest value
   * @param max the largest value
   * @param module the module code of the error
   * @return the value
   */
  public static int intParam(Map<String, String> p, String name, boolean required, int min, int max, int module) {
    String v = p.get(name);
    if (v == null) {
      if (required) {
        throw new CmqError(4000, 10010, "param " + name + " missing");
      }
      return 0;
    }
    try {
      int i = Integer.parseInt(v.trim());
      if (i >= min && i <= max) {
        return i;
      }
    } catch (NumberFormatException e) {
      // falls through
    }
    throw new CmqError(4000, module, "param " + name + " must be an integer in [" + min + ", " + max + "]");
  }

  /**
   * The values of {@code prefix.N}, ordered by N, which must be consecutive from 0 or 1; at most 16.
   *
   * @param p the parameters
   * @param prefix e.g. {@code "msgBody"}
   * @param required whether none at all is an error (otherwise the list is empty)
   * @return the values
   */
  public static List<String> indexed(Map<String, String> p, String prefix, boolean required) {
    TreeMap<Integer, String> byIndex = new TreeMap<>();
    String dotted = prefix + ".";
    for (Map.Entry<String, String> e : p.entrySet()) {
      if (e.getKey().startsWith(dotted)) {
        String n = e.getKey().substring(dotted.length());
        if (!isDigits(n) || n.length() > 4) {
          throw new CmqError(4000, 10000, "param " + e.getKey() + " is invalid");
        }
        byIndex.put(Integer.parseInt(n), e.getValue());
      }
    }
    if (byIndex.isEmpty()) {
      if (required) {
        throw new CmqError(4000, 10010, "param " + prefix + " missing");
      }
      return List.of();
    }
    if (byIndex.size() > 16) {
      throw new CmqError(4000, 10370, "the number of " + prefix + " must be in [1, 16]");
    }
    int first = byIndex.firstKey();
    if ((first != 0 && first != 1) || byIndex.lastKey() - first + 1 != byIndex.size()) {
      throw new CmqError(4000, 10380, "param " + prefix + " is not consequent");
    }
    return new ArrayList<>(byIndex.values());
  }

  /**
   * Whether a string is 1 to 20 decimal digits.
   *
   * @param s the string, or null
   * @return {@code true} if it is
   */
  public static boolean isDigits(String s) {
    if (s == null || s.isEmpty() || s.length() > 20) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }
}
