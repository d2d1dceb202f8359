package dev.llmkit.examples.cli;

import java.io.PrintStream;

/**
 * Progress as plain lines, for a stderr that is not a terminal (a log file, a CI console), where
 * the {@code \r} frames of a progress bar would pile up: one line at every 10% of the work or after
 * 30 seconds without one, and the final line exactly once.
 */
final class ProgressLines {

  /** Seconds after which a line is due even without 10% more progress. */
  static final long INTERVAL_NANOS = 30_000_000_000L;

  private final PrintStream err;
  private final String task;
  private final long total;
  private long nextTenth;
  private long lastNanos;
  private boolean finished;

  ProgressLines(PrintStream err, String task, long total, long start) {
    this.err = err;
    this.task = task;
    this.total = total;
    this.nextTenth = tenth(start) + 1;
    this.lastNanos = System.nanoTime();
  }

  /**
   * True when stderr is most likely not an interactive terminal: the JVM has no console (stdin or
   * stdout redirected), or TERM says "dumb". Progress bars are then replaced by plain lines.
   */
  static boolean plain() {
    return System.console() == null || "dumb".equals(System.getenv("TERM"));
  }

  private long tenth(long step) {
    return total <= 0 ? 0 : step * 10 / total;
  }

  /** Prints {@code task: step/total (p%)<extra>} when a line is due; the last step only once. */
  void update(long step, String extra) {
    if (finished) {
      return;
    }
    long now = System.nanoTime();
    boolean last = step >= total;
    if (last || tenth(step) >= nextTenth || now - lastNanos >= INTERVAL_NANOS) {
      err.printf("%s: %d/%d (%d%%)%s%n", task, step, total, total <= 0 ? 100 : step * 100 / total,
          extra);
      nextTenth = tenth(step) + 1;
      lastNanos = now;
      finished = last;
    }
  }
}
