package dev.iotforwarder.testkit.internal;

import dev.iotforwarder.testkit.CmqFault;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Which fault LocalCmq injects into the next request: first a scripted sequence (one fault per
 * matching request, in order), then a seeded random rate, each optionally only for some actions.
 * Thread-safe: every method holds this object's lock.
 */
public final class FaultPlan {
  private final Deque<CmqFault> scripted = new ArrayDeque<>();
  private Set<String> scriptedActions = Set.of();
  private double rate;
  private Random random;
  private List<CmqFault> rateFaults = List.of();
  private Set<String> rateActions = Set.of();

  /**
   * Replaces the script.
   *
   * @param actions the actions to fault, or empty for all
   * @param faults the faults, in order
   */
  public synchronized void script(Collection<String> actions, List<CmqFault> faults) {
    scripted.clear();
    scripted.addAll(faults);
    scriptedActions = Set.copyOf(actions);
  }

  /**
   * Replaces the rate.
   *
   * @param rate 0 to 1
   * @param seed the seed of the random source
   * @param actions the actions to fault, or empty for all
   * @param choices the faults to draw from, at least one
   * @throws IllegalArgumentException if the rate is out of range or there is no choice
   */
  public synchronized void rate(double rate, long seed, Collection<String> actions, List<CmqFault> choices) {
    if (rate < 0 || rate > 1 || choices.isEmpty()) {
      throw new IllegalArgumentException("rate must be in [0, 1] and choices not empty");
    }
    this.rate = rate;
    this.random = new Random(seed);
    this.rateFaults = List.copyOf(choices);
    this.rateActions = Set.copyOf(actions);
  }

  /** Removes the script and the rate. */
  public synchronized void clear() {
    scripted.clear();
    rate = 0;
    rateFaults = List.of();
  }

  /**
   * The fault for the next request.
   *
   * @param action its {@code Action}, or null
   * @return the fault, or null for none
   */
  public synchronized CmqFault next(String action) {
    if (!scripted.isEmpty() && (scriptedActions.isEmpty() || scriptedActions.contains(action))) {
      return scripted.poll();
    }
    if (rate > 0 && (rateActions.isEmpty() || rateActions.contains(action)) && random.nextDouble() < rate) {
      return rateFaults.get(random.nextInt(rateFaults.size()));
    }
    return null;
  }
}
