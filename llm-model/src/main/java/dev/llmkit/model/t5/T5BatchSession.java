package dev.llmkit.model.t5;

import dev.llmkit.model.BatchChecks;
import dev.llmkit.model.BatchSession;
import dev.llmkit.model.LanguageModel;
import dev.llmkit.model.SessionOptions;
import dev.llmkit.tensor.Embedding;
import dev.llmkit.tensor.Tensor;
import java.util.Arrays;

/**
 * The {@link BatchSession} of a {@link T5Decoder}: several decodings of one encoder input (beam
 * search's beams). Each row is a {@link T5Session} (its tokens and self-attention KV cache); all
 * rows share the decoder's cross-attention keys and values. A {@link #step} runs one token of each
 * of n rows in one pass over the weights ({@link T5Layer#decodeRows}: every product through the
 * rows-at-once linear, attention per row), and each row's logits equal, bit for bit, those of its
 * session fed the same tokens alone. Rows are copied by copying their cache rows; a reorder fills
 * spare sessions and swaps them in.
 */
final class T5BatchSession implements BatchSession {

  private final T5Decoder decoder;
  private final T5Model model;
  private final T5Config config;
  private final T5Layer[] layers;
  private final T5Session[] rows;
  /** One spare session per row, filled by {@link #reorder} and then swapped in. */
  private final T5Session[] spare;
  private final float[][] logits;
  /** The spare sessions' logits buffers. */
  private final float[][] spareLogits;
  private final float[][] stepResult;
  /** Scratch of a step of n rows, by n (made on first use). */
  private final T5Layer.Scratch[] scratch;
  /** (n, d_model) residual stream of a step of n rows, by n. */
  private final Tensor[] stepX;
  /** (n, V) logits of a step of n rows, by n. */
  private final Tensor[] stepLogits;
  /** The sessions of the current step's rows. */
  private final T5Session[] stepRows;
  private boolean closed;

  T5BatchSession(T5Decoder decoder, int rowCount, SessionOptions options) {
    if (rowCount < 1) {
      throw new IllegalArgumentException("a batch session needs at least 1 row, got " + rowCount);
    }
    this.decoder = decoder;
    this.model = decoder.t5();
    this.config = model.config();
    this.layers = model.decoderLayers();
    this.rows = new T5Session[rowCount];
    this.spare = new T5Session[rowCount];
    for (int r = 0; r < rowCount; r++) {
      rows[r] = decoder.newSession(options);
      spare[r] = decoder.newSession(options);
    }
    this.logits = new float[rowCount][config.vocabSize()];
    this.spareLogits = new float[rowCount][config.vocabSize()];
    this.stepResult = new float[rowCount][];
    this.scratch = new T5Layer.Scratch[rowCount + 1];
    this.stepX = new Tensor[rowCount + 1];
    this.stepLogits = new Tensor[rowCount + 1];
    this.stepRows = new T5Session[rowCount];
  }

  @Override
  public LanguageModel model() {
    return decoder;
  }

  @Override
  public int rows() {
    return rows.length;
  }

  @Override
  public int position(int row) {
    return row(row).position();
  }

  @Override
  public int[] tokens(int row) {
    return row(row).tokens();
  }

  @Override
  public float[] prefill(int row, int[] ids, int offset, int count) {
    float[] out = row(row).forward(ids, offset, count);
    System.arraycopy(out, 0, logits[row], 0, out.length);
    return logits[row];
  }

  @Override
  public float[][] step(int[] rowIds, int[] ids, int n) {
    checkOpen();
    BatchChecks.step(this, rowIds, ids, n);
    if (scratch[n] == null) {
      scratch[n] = new T5Layer.Scratch(config, n, true);
      stepX[n] = Tensor.zeros(n, config.dModel());
      stepLogits[n] = Tensor.zeros(n, config.vocabSize());
    }
    Tensor x = stepX[n];
    Tensor shared = model.weights().get(T5Weights.SHARED);
    for (int i = 0; i < n; i++) {
      stepRows[i] = rows[rowIds[i]];
      stepRows[i].reserve(stepRows[i].position() + 1);
      // ids[i] -> x row i: (1, C)
      Embedding.gather(shared, ids, i, 1, x.slice(i, i + 1));
    }
    T5Session[] active = n == rows.length ? stepRows : Arrays.copyOf(stepRows, n);
    for (int l = 0; l < layers.length; l++) {
      // x: (n, C) in place
      layers[l].decodeRows(scratch[n], x, active, l, decoder, model.decoderBiasReversed());
    }
    // x: (n, C) -> logits: (n, V)
    Tensor out = stepLogits[n];
    model.logitsRows(x, scratch[n].xn, out);
    int vocab = config.vocabSize();
    for (int i = 0; i < n; i++) {
      int r = rowIds[i];
      rows[r].advance(ids[i]);
      out.buffer().get(i * vocab, logits[r], 0, vocab);
      stepResult[i] = logits[r];
    }
    return stepResult;
  }

  @Override
  public float[] logits(int row) {
    row(row);
    return logits[row];
  }

  @Override
  public void copy(int from, int to) {
    row(from);
    row(to);
    if (from != to) {
      rows[to].copyFrom(rows[from]);
      System.arraycopy(logits[from], 0, logits[to], 0, logits[to].length);
    }
  }

  @Override
  public void reorder(int[] sources) {
    checkOpen();
    BatchChecks.sources(this, sources);
    int n = rows.length;
    // every moved row is filled from the old rows into its spare first, so no source is overwritten
    for (int r = 0; r < n; r++) {
      int s = sources[r];
      if (s != r) {
        spare[r].copyFrom(rows[s]);
        System.arraycopy(logits[s], 0, spareLogits[r], 0, logits[s].length);
      }
    }
    for (int r = 0; r < n; r++) {
      if (sources[r] != r) {
        T5Session old = rows[r];
        rows[r] = spare[r];
        spare[r] = old;
        float[] oldLogits = logits[r];
        logits[r] = spareLogits[r];
        spareLogits[r] = oldLogits;
      }
    }
  }

  @Override
  public void reset(int row) {
    row(row).reset();
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      for (int r = 0; r < rows.length; r++) {
        rows[r].close();
        spare[r].close();
      }
    }
  }

  private T5Session row(int row) {
    checkOpen();
    BatchChecks.row(this, row);
    return rows[row];
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the batch session is closed");
    }
  }
}
