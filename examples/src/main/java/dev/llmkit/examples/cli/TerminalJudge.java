package dev.llmkit.examples.cli;

import dev.llmkit.training.rlhf.Judge;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The person as a {@link Judge}: shows the numbered responses on a terminal and reads a ranking
 * (numbers, best first, separated by spaces or commas) or just the best one's number. An empty line
 * skips the prompt; a bad line is asked again. End of input ends the session (null ranking).
 */
final class TerminalJudge implements Judge {

  private final BufferedReader in;
  private final PrintWriter out;
  private boolean ended;

  TerminalJudge(BufferedReader in, PrintWriter out) {
    this.in = in;
    this.out = out;
  }

  /** True once the input has ended. */
  boolean ended() {
    return ended;
  }

  @Override
  public int[] rank(String prompt, List<String> responses) {
    out.println("=== prompt: " + prompt);
    for (int i = 0; i < responses.size(); i++) {
      out.println("--- [" + (i + 1) + "]");
      out.println(responses.get(i));
    }
    while (true) {
      out.print("rank best first (e.g. 2 1 3), or the best one's number; empty line skips: ");
      out.flush();
      String line;
      try {
        line = in.readLine();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (line == null) {
        ended = true;
        out.println();
        return new int[0];
      }
      if (line.isBlank()) {
        return new int[0];
      }
      try {
        return parse(line, responses.size());
      } catch (IllegalArgumentException e) {
        out.println(e.getMessage());
      }
    }
  }

  /** "2 1, 3" -> {1, 0, 2}; each number in 1..n at most once. */
  static int[] parse(String line, int n) {
    Set<Integer> seen = new LinkedHashSet<>();
    for (String t : line.trim().split("[\\s,]+")) {
      int v;
      try {
        v = Integer.parseInt(t);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + t + "' is not a response number (1.." + n + ")");
      }
      if (v < 1 || v > n) {
        throw new IllegalArgumentException(v + " is not a response number (1.." + n + ")");
      }
      if (!seen.add(v - 1)) {
        throw new IllegalArgumentException(v + " appears twice");
      }
    }
    return seen.stream().mapToInt(Integer::intValue).toArray();
  }
}
