package dev.iotforwarder.reliability;

import java.util.List;

/** The library's threads: those named {@code iot-forwarder-*}, or after one of our client ids. */
final class Threads {
  private Threads() {}

  static List<Thread> library() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .filter(t -> t.getName().contains("iot-forwarder"))
        .toList();
  }
}
