package dev.llmkit.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * The generic {@link BatchSession}: one independent {@link InferenceSession} per row, run one after
 * the other. It works for every {@link LanguageModel} (an encoder–decoder model's decoder view
 * included), but reads the weights once per row rather than once per step. A copy of a row re-runs
 * the source's tokens past the prefix both rows share, one at a time (the sessions have no way to
 * copy a cache): bit-exact when the rows share their prompt, as beams do; across different prompts
 * the re-run prompt tokens differ from a chunked prefill in rounding only.
 */
public final class SessionBatch implements BatchSession {

  private final LanguageModel model;
  private final InferenceSession[] sessions;
  private final float[][] logits;
  private final boolean[] hasLogits;
  private final float[][] stepResult;
  private boolean closed;

  /**
   * {@code rows} sessions of the model, each opened with {@code options}.
   *
   * @throws IllegalArgumentException when rows is below 1
   */
  public SessionBatch(LanguageModel model, int rows, SessionOptions options) {
    this.model = Objects.requireNonNull(model, "model");
    Objects.requireNonNull(options, "options");
    if (rows < 1) {
      throw new IllegalArgumentException("a batch session needs at least 1 row, got " + rows);
    }
    this.sessions = new InferenceSession[rows];
    for (int r = 0; r < rows; r++) {
      sessions[r] = model.newSession(options);
    }
    this.logits = new float[rows][model.vocabSize()];
    this.hasLogits = new boolean[rows];
    this.stepResult = new float[rows][];
  }

  @Override
  public LanguageModel model() {
    return model;
  }

  @Override
  public int rows() {
    return sessions.length;
  }

  @Override
  public int position(int row) {
    return session(row).position();
  }

  @Override
  public int[] tokens(int row) {
    return session(row).tokens();
  }

  @Override
  public float[] prefill(int row, int[] ids, int offset, int count) {
    float[] out = session(row).forward(ids, offset, count);
    System.arraycopy(out, 0, logits[row], 0, out.length);
    hasLogits[row] = true;
    return logits[row];
  }

  @Override
  public float[][] step(int[] rows, int[] ids, int n) {
    BatchChecks.step(this, rows, ids, n);
    for (int i = 0; i < n; i++) {
      stepResult[i] = prefill(rows[i], ids, i, 1);
    }
    return stepResult;
  }

  @Override
  public float[] logits(int row) {
    session(row);
    return logits[row];
  }

  @Override
  public void copy(int from, int to) {
    session(from);
    session(to);
    if (from == to) {
      return;
    }
    InferenceSession src = sessions[from];
    InferenceSession dst = sessions[to];
    int[] want = src.tokens();
    int[] have = dst.tokens();
    int common = 0;
    while (common < want.length && common < have.length && want[common] == have[common]) {
      common++;
    }
    // the saved logits stand for the last token: the cache needs only the tokens
    replay(dst, want, common);
    System.arraycopy(logits[from], 0, logits[to], 0, logits[to].length);
    hasLogits[to] = hasLogits[from];
  }

  @Override
  public void reorder(int[] sources) {
    BatchChecks.sources(this, sources);
    // each source's state, copied out before any row changes: tokens and logits
    int rows = sessions.length;
    int[][] tokens = new int[rows][];
    float[][] saved = new float[rows][];
    for (int r = 0; r < rows; r++) {
      int s = sources[r];
      if (tokens[s] == null) {
        tokens[s] = sessions[s].tokens();
        saved[s] = logits[s].clone();
      }
    }
    for (int r = 0; r < rows; r++) {
      int[] want = tokens[sources[r]];
      InferenceSession dst = sessions[r];
      int[] have = dst.tokens();
      int common = 0;
      while (common < want.length && common < have.length && want[common] == have[common]) {
        common++;
      }
      replay(dst, want, common);
      System.arraycopy(saved[sources[r]], 0, logits[r], 0, logits[r].length);
      hasLogits[r] = hasLogits[sources[r]];
    }
  }

  /**
   * Rewinds the session to the first {@code common} tokens and runs the rest of {@code want} one
   * token at a time, as decoding ran them: rows that share their prompt (beams) then hold exactly
   * the cache the source row holds.
   */
  private static void replay(InferenceSession dst, int[] want, int common) {
    dst.rewind(common);
    for (int i = common; i < want.length; i++) {
      dst.forward(want, i, 1);
    }
  }

  @Override
  public void reset(int row) {
    session(row).reset();
    hasLogits[row] = false;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      for (InferenceSession s : sessions) {
        s.close();
      }
    }
  }

  private InferenceSession session(int row) {
    if (closed) {
      throw new IllegalStateException("the batch session is closed");
    }
    BatchChecks.row(this, row);
    return sessions[row];
  }
}
