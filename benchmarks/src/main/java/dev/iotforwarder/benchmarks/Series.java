package dev.iotforwarder.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** The values of one quantity over several rounds: median and range. */
final class Series {
  private final List<Double> values = new ArrayList<>();

  void add(double v) {
    values.add(v);
  }

  List<Double> values() {
    return List.copyOf(values);
  }

  double last() {
    return values.isEmpty() ? Double.NaN : values.get(values.size() - 1);
  }

  boolean isEmpty() {
    return values.isEmpty();
  }

  double median() {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> s = new ArrayList<>(values);
    Collections.sort(s);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  double min() {
    return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
  }

  double max() {
    return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }

  /** E.g. {@code "612k (580k-640k)"}. */
  String medianAndRange() {
    return rate(median()) + " (" + rate(min()) + "-" + rate(max()) + ")";
  }

  static String rate(double v) {
    if (Double.isNaN(v)) {
      return "-";
    }
    if (v >= 10_000) {
      return String.format(Locale.ROOT, "%.0fk", v / 1000);
    }
    if (v >= 1_000) {
      return String.format(Locale.ROOT, "%.1fk", v / 1000);
    }
    return String.format(Locale.ROOT, "%.0f", v);
  }
}
