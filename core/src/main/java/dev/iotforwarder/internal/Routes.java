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
 * thread and call the routes' filters and the sinks' {@code isHealthy()}, never under a lock. The
 * {@link Targets} of a message that one route alone takes are shared, made once per route: no
 * caller changes a {@code Targets} it gets.
 */
final class Routes {
  private static final Logger LOG = LoggerFactory.getLogger(Routes.class);

  /** One route: the messages {@code filter} passes go to {@code lane}, or {@code backup} if set. */
  record Route(MessageFilter filter, Lane lane, Lane backup) {}

  /** No route takes the message and no route filter threw. Shared. */
  private static final Targets NONE = new Targets();

  private final Route[] routes;
  /** Every lane, in the configured order; a lane's index is its place here. */
  private final Lane[] lanes;
  /** By route: the targets when that route alone takes a message, to its lane. Shared. */
  private final Targets[] alone;
  /** By route: the same, failed over to its backup; null for a route without one. Shared. */
  private final Targets[] aloneFailedOver;

  Routes(List<Route> routes, Lane[] lanes) {
    this.routes = routes.toArray(Route[]::new);
    this.lanes = lanes;
    this.alone = new Targets[this.routes.length];
    this.aloneFailedOver = new Targets[this.routes.length];
    for (int i = 0; i < this.routes.length; i++) {
      Route r = this.routes[i];
      alone[i] = new Targets().add(r.lane, r.backup, 1);
      aloneFailedOver[i] = r.backup == null ? null : new Targets().add(r.backup, null, 1);
    }
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

    /** Adds a target lane unless it is one already (two routes to one sink deliver once). */
    Targets add(Lane lane, Lane backup, int capacity) {
      if (lanes == null) {
        lanes = new Lane[capacity];
        backups = new Lane[capacity];
      }
      if (!targets(lane)) {
        lanes[count] = lane;
        backups[count] = backup;
        count++;
      }
      return this;
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
    // The common case, one route takes the message and no filter throws, allocates nothing: a
    // Targets of its own is made only once a second lane or an error turns up.
    Targets t = null;
    int aloneRoute = -1;
    boolean aloneFailed = false;
    for (int i = 0; i < routes.length; i++) {
      Route r = routes[i];
      boolean take;
      try {
        take = r.filter.test(message);
      } catch (RuntimeException e) {
        if (t == null) {
          t = own(aloneRoute, aloneFailed);
        }
        if (t.errors == null) {
          t.errors = new ArrayList<>(1);
          t.errored = new boolean[lanes.length];
        }
        int li = indexOf(r.lane);
        if (!t.errored[li]) { // one error per lane, however many of its routes threw
          t.errored[li] = true;
          t.errors.add(new ForwardingException("the filter of the route to sink " + r.lane.name
              + " threw " + e + " for the " + Pipeline.describe(message), r.lane.name, e));
        }
        continue;
      }
      if (!take) {
        continue;
      }
      boolean failedOver = r.backup != null && !healthy(r.lane); // fail over before sending, not after
      if (t == null && aloneRoute < 0) {
        aloneRoute = i;
        aloneFailed = failedOver;
        continue;
      }
      if (t == null) {
        t = own(aloneRoute, aloneFailed);
      }
      t.add(failedOver ? r.backup : r.lane, failedOver ? null : r.backup, lanes.length);
    }
    if (t != null) {
      return t;
    }
    if (aloneRoute < 0) {
      return NONE;
    }
    return aloneFailed ? aloneFailedOver[aloneRoute] : alone[aloneRoute];
  }

  /** A Targets of this message's own, holding the one route's target found so far, if any. */
  private Targets own(int aloneRoute, boolean aloneFailed) {
    Targets t = new Targets();
    if (aloneRoute >= 0) {
      Route r = routes[aloneRoute];
      t.add(aloneFailed ? r.backup : r.lane, aloneFailed ? null : r.backup, lanes.length);
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
