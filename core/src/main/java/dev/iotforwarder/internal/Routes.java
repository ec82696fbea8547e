package dev.iotforwarder.internal;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardingException;
import dev.iotforwarder.MessageFilter;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forwarder's routes: for one message, which lanes take it (with the failover lane each may
 * fall back to), and the counting of the lanes that do not.
 *
 * <p>Immutable after construction; {@link #choose} and {@link #countNotTaken} run on the caller's
 * thread and call the routes' filters and the sinks' {@code isHealthy()}, never under a lock.
 */
final class Routes {
  private static final Logger LOG = LoggerFactory.getLogger(Routes.class);

  /** One route: the messages {@code filter} passes go to {@code lane}, or {@code backup} if set. */
  record Route(MessageFilter filter, Lane lane, Lane backup) {}

  private final Route[] routes;
  /** Every lane, in the configured order; a lane's index is its place here. */
  private final Lane[] lanes;

  Routes(List<Route> routes, Lane[] lanes) {
    this.routes = routes.toArray(Route[]::new);
    this.lanes = lanes;
  }

  /**
   * Where one message goes: its target lanes, each with the failover lane to try if it gives up,
   * and the lanes whose route filter threw (with their errors). Arrays are allocated only when a
   * route takes the message; each lane appears once.
   */
  static final class Targets {
    Lane[] lanes;
    Lane[] backups;
    int count;
    /** One error per lane whose route filter threw; null if none did. */
    List<ForwardingException> errors;
    /** By lane index: whether that lane's route filter threw. */
    boolean[] errored;

    int failures() {
      return errors == null ? 0 : errors.size();
    }

    boolean targets(Lane lane) {
      for (int j = 0; j < count; j++) {
        if (lanes[j] == lane) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * Asks every route's filter where the message goes; a route whose sink is unhealthy goes to its
   * backup. On the caller's thread.
   */
  Targets choose(DeviceMessage message) {
    Targets t = new Targets();
    for (Route r : routes) {
      boolean take;
      try {
        take = r.filter.test(message);
      } catch (RuntimeException e) {
        if (t.errors == null) {
          t.errors = new ArrayList<>(1);
          t.errored = new boolean[lanes.length];
        }
        int i = indexOf(r.lane);
        if (!t.errored[i]) { // one error per lane, however many of its routes threw
          t.errored[i] = true;
          t.errors.add(new ForwardingException("the filter of the route to sink " + r.lane.name
              + " threw " + e + " for the " + Pipeline.describe(message), r.lane.name, e));
        }
        continue;
      }
      if (!take) {
        continue;
      }
      Lane target = r.lane;
      Lane backup = r.backup;
      if (backup != null && !healthy(target)) { // fail over before sending, not after
        target = backup;
        backup = null;
      }
      if (t.lanes == null) {
        t.lanes = new Lane[lanes.length];
        t.backups = new Lane[lanes.length];
      }
      if (!t.targets(target)) { // two routes to one sink deliver once
        t.lanes[t.count] = target;
        t.backups[t.count] = backup;
        t.count++;
      }
    }
    return t;
  }

  /** Lanes no route took the message to count it (filtered, or failed if theirs threw). */
  void countNotTaken(Targets t) {
    for (int i = 0; i < lanes.length; i++) {
      Lane lane = lanes[i];
      if (t.errored != null && t.errored[i]) {
        lane.countFailedOffer();
      } else if (!t.targets(lane)) {
        lane.countFiltered();
      }
    }
  }

  private int indexOf(Lane lane) {
    for (int i = 0; i < lanes.length; i++) {
      if (lanes[i] == lane) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Whether a failover route sends to this primary: the sink says it is healthy, and its lane is
   * not probing ({@link SinkHealth}), unless this message is the probe the lane is due.
   */
  private static boolean healthy(Lane lane) {
    boolean sinkSays;
    try {
      sinkSays = lane.sink.isHealthy();
    } catch (RuntimeException e) {
      LOG.warn("Sink {} threw from isHealthy(); treating it as unhealthy", lane.name, e);
      return false;
    }
    return sinkSays && (!lane.health.probing() || lane.health.claimProbe(System.nanoTime()));
  }
}
