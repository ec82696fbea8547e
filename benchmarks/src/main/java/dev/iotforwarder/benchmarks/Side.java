package dev.iotforwarder.benchmarks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One side of a comparison: its throughput, client CPU per message and CPU per thread group, per round. */
final class Side {
  final String name;
  final Series rates = new Series();
  final Series cpuPerMessage = new Series();
  /** Per round: CPU nanoseconds per message of each thread group. */
  final List<Map<String, Double>> groups = new ArrayList<>();

  Side(String name) {
    this.name = name;
  }

  void add(CpuMeter.Usage u) {
    rates.add(u.messages() / (u.wallNanos() / 1e9));
    cpuPerMessage.add(u.clientPerMessage());
    groups.add(u.perMessage());
  }

  /** Each group's median over the rounds, in nanoseconds per message. */
  Map<String, Double> medianGroups() {
    Map<String, Series> by = new LinkedHashMap<>();
    for (Map<String, Double> round : groups) {
      round.forEach((k, v) -> by.computeIfAbsent(k, x -> new Series()).add(v));
    }
    Map<String, Double> m = new LinkedHashMap<>();
    by.forEach((k, s) -> m.put(k, s.median()));
    return m;
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("msgPerSec", rates.values());
    m.put("msgPerSecMedian", rates.median());
    m.put("clientCpuNanosPerMsg", cpuPerMessage.values());
    m.put("clientCpuNanosPerMsgMedian", cpuPerMessage.median());
    m.put("cpuNanosPerMsgByGroupMedian", medianGroups());
    return m;
  }
}
