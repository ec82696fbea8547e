package dev.iotforwarder.internal;

import java.util.concurrent.ThreadFactory;

/**
 * Names the threads of an injected (or the default daemon) thread factory: {@code
 * iot-forwarder-<sink>-1} a lane's dispatcher, {@code -2} and up its completers, {@code
 * iot-forwarder-scheduler} the timers, and the spool's threads. Used only while the forwarder is
 * built, on the building thread.
 */
final class NamedThreadFactory {
  private final ThreadFactory delegate;

  NamedThreadFactory(ThreadFactory delegate) {
    this.delegate = delegate;
  }

  Thread newThread(String name, Runnable task) {
    Thread t;
    if (delegate == null) {
      t = new Thread(task);
      t.setDaemon(true);
    } else {
      t = delegate.newThread(task);
      if (t == null) {
        throw new IllegalStateException("threadFactory returned null for " + name);
      }
    }
    t.setName(name);
    return t;
  }
}
