package dev.llmkit.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The tally of one format's seeded mutants: every invalid mutant must be rejected with a
 * {@link TokenizerFormatException} whose message names the file, is bounded and holds no control
 * characters; every valid one must load (and pass the caller's check).
 */
public final class FuzzTally {
  /** {@code -Dllmkit.fuzz.scale=N} multiplies the number of mutants of every format. */
  public static final int SCALE = Integer.getInteger("llmkit.fuzz.scale", 1);

  final String format;
  int mutants;
  int invalid;
  final List<String> problems = new ArrayList<>();

  public FuzzTally(String format) {
    this.format = format;
  }

  /** Something that may throw. */
  public interface ThrowingRunnable {
    void run() throws Exception;
  }

  /** Runs {@code r}; returns what it threw, or null. */
  public static Throwable attempt(ThrowingRunnable r) {
    try {
      r.run();
      return null;
    } catch (Exception | StackOverflowError | AssertionError e) {
      return e;
    }
  }

  /** Records one mutant, written to {@code file}, of known validity. */
  public void record(Path file, boolean valid, Throwable failure) {
    mutants++;
    invalid += valid ? 0 : 1;
    String name = file.getFileName().toString();
    if (failure == null) {
      if (!valid) {
        add("invalid mutant accepted: " + name);
      }
      return;
    }
    String m = String.valueOf(failure.getMessage());
    if (valid) {
      add("valid mutant rejected: " + failure);
    } else if (!(failure instanceof TokenizerFormatException)) {
      add("not a TokenizerFormatException: " + failure);
    } else if (!m.contains(name) || m.length() > 1100
        || m.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      add("message without the file name, unbounded or raw: " + m);
    }
  }

  /**
   * Records a mutant whose validity is not known by construction (random byte flips): it may load,
   * but a failure must still be a {@link TokenizerFormatException} with a bounded, printable message
   * naming the file.
   */
  public void recordUnknown(Path file, Throwable failure) {
    if (failure == null) {
      mutants++;
    } else {
      record(file, false, failure);
    }
  }

  void add(String p) {
    if (problems.size() < 20) {
      problems.add(format + ": " + p);
    }
  }

  /** Asserts no problem and that at least a quarter of the mutants were invalid. */
  public void check() {
    System.out.println(format + " fuzz: " + mutants + " mutants, " + invalid + " invalid, "
        + problems.size() + " problems");
    assertThat(problems).isEmpty();
    assertThat(invalid).isGreaterThan(mutants / 4);
  }
}
