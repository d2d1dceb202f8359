package dev.llmkit.model;

/** Argument checks shared by the {@link BatchSession} implementations. */
public final class BatchChecks {

  private BatchChecks() {}

  /** Throws unless {@code row} is a row of the session. */
  public static void row(BatchSession s, int row) {
    if (row < 0 || row >= s.rows()) {
      throw new IllegalArgumentException(
          "row " + row + " is outside the batch session's rows [0, " + s.rows() + ")");
    }
  }

  /** Throws unless rows[0..n) are distinct rows of the session, each with an id and room for it. */
  public static void step(BatchSession s, int[] rows, int[] ids, int n) {
    if (rows == null || ids == null) {
      throw new IllegalArgumentException("step: rows and ids must not be null");
    }
    if (n < 1 || n > s.rows() || n > rows.length || n > ids.length) {
      throw new IllegalArgumentException(
          "step: n = " + n + " must be in [1, " + s.rows() + "] and at most the " + rows.length
              + " rows and " + ids.length + " ids given");
    }
    boolean[] seen = new boolean[s.rows()];
    int vocab = s.model().vocabSize();
    int ctx = s.model().contextLength();
    for (int i = 0; i < n; i++) {
      row(s, rows[i]);
      if (seen[rows[i]]) {
        throw new IllegalArgumentException("step: row " + rows[i] + " appears twice");
      }
      seen[rows[i]] = true;
      if (ids[i] < 0 || ids[i] >= vocab) {
        throw new IllegalArgumentException(
            "step: token id " + ids[i] + " for row " + rows[i] + " is outside the vocabulary [0, "
                + vocab + ")");
      }
      if (s.position(rows[i]) >= ctx) {
        throw new IllegalArgumentException(
            "step: row " + rows[i] + " already holds the context length " + ctx + " tokens");
      }
    }
  }

  /** Throws unless {@code sources} has one in-range source per row. */
  public static void sources(BatchSession s, int[] sources) {
    if (sources == null || sources.length != s.rows()) {
      throw new IllegalArgumentException(
          "reorder: expected " + s.rows() + " sources (one per row), got "
              + (sources == null ? "null" : sources.length));
    }
    for (int src : sources) {
      row(s, src);
    }
  }
}
