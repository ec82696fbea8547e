package com.example;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Shows how the run goes. On a terminal: one line, rewritten in place four times a second. Otherwise
 * (a pipe, a CI log): a plain line every two seconds, with the elapsed time in front.
 */
final class Progress implements AutoCloseable {
  private final PrintStream out;
  private final boolean terminal;
  private final Supplier<String> line;
  private final long start = System.nanoTime();
  private final ScheduledExecutorService timer;
  private final int width = columns();
  private int lastLength;
  private boolean closed;

  Progress(PrintStream out, boolean terminal, Supplier<String> line) {
    this.out = out;
    this.terminal = terminal;
    this.line = line;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "demo-progress");
      t.setDaemon(true);
      return t;
    });
    long period = terminal ? 250 : 2000;
    timer.scheduleAtFixedRate(this::show, period, period, TimeUnit.MILLISECONDS);
  }

  private synchronized void show() {
    if (closed) {
      return;
    }
    String text;
    try {
      text = line.get();
    } catch (RuntimeException e) {
      text = "(progress unavailable: " + e + ")";
    }
    if (terminal) {
      if (text.length() >= width) {
        text = text.substring(0, width - 1); // a wrapped line could not be rewritten in place
      }
      int pad = Math.max(0, lastLength - text.length());
      out.print("\r" + text + " ".repeat(pad));
      lastLength = text.length();
    } else {
      out.printf(Locale.ROOT, "%6.1fs  %s%n", (System.nanoTime() - start) / 1e9, text);
    }
    out.flush();
  }

  /** The terminal's width if the shell exported {@code COLUMNS}, else 160. */
  private static int columns() {
    try {
      String columns = System.getenv("COLUMNS");
      return columns == null ? 160 : Math.max(40, Integer.parseInt(columns.trim()));
    } catch (NumberFormatException e) {
      return 160;
    }
  }

  /** Stops the display, leaving the last state on screen (on a terminal). */
  @Override
  public void close() {
    timer.shutdownNow();
    synchronized (this) {
      if (closed) {
        return;
      }
      if (terminal) {
        show();
        out.println();
      }
      closed = true;
    }
  }

  /** {@code 1234} as {@code 1,234}; {@code 123456} as {@code 123.5k}; millions as {@code 1.23M}. */
  static String compact(long n) {
    if (n < 10_000) {
      return String.format(Locale.ROOT, "%,d", n);
    }
    if (n < 1_000_000) {
      return String.format(Locale.ROOT, "%.1fk", n / 1e3);
    }
    return String.format(Locale.ROOT, "%.2fM", n / 1e6);
  }
}
