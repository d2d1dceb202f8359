package dev.llmkit.model;

/**
 * Several sequences ("rows") of one {@link LanguageModel} advanced together: each row has its own
 * tokens, position and KV cache, and one {@link #step} feeds one new token to each of any subset of
 * rows in a single batched forward pass (the weights are read once for all of them). Rows can be
 * copied and reordered, which is what beam search needs.
 *
 * <p>Per-row results do not depend on the batch: a row's logits equal, bit for bit, those of a
 * single-sequence {@link InferenceSession} fed the same tokens (implementations use kernels whose
 * per-row arithmetic does not depend on the other rows).
 *
 * <p>Made by {@link LanguageModel#newBatchSession(int, SessionOptions)}: models with a batched
 * implementation override it; every other model gets {@link SessionBatch}, built from independent
 * sessions. Used by one thread at a time; allocation happens when the session opens and when a
 * row's cache grows.
 *
 * <p>Logits arrays returned by this session belong to it (one buffer per row) and are overwritten
 * by the next call that runs that row; copy them to keep them.
 */
public interface BatchSession extends AutoCloseable {

  /** The model this session runs. */
  LanguageModel model();

  /** Number of rows, fixed when the session opens. */
  int rows();

  /** Number of tokens held by row {@code row}: the position its next token takes. */
  int position(int row);

  /** The token ids held by row {@code row}, oldest first. */
  int[] tokens(int row);

  /**
   * Runs {@code ids[offset..offset+count)} into one row at its next positions (a prompt: prefill).
   *
   * @return the logits (length V) of the chunk's last token, the row's buffer
   * @throws IllegalArgumentException when the row is out of range, an id is outside the vocabulary,
   *     count is not positive, or the chunk would take the row past the context length
   */
  float[] prefill(int row, int[] ids, int offset, int count);

  /**
   * One batched decoding step: appends {@code ids[i]} to row {@code rows[i]} for {@code i < n} and
   * runs them in one forward pass.
   *
   * @param rows distinct row indices, n of them (more entries are ignored)
   * @param ids the token for each of those rows
   * @param n how many rows take part, {@code >= 1}
   * @return element i is the logits (length V) of row {@code rows[i]}, the row's buffer (the
   *     returned array itself is reused too)
   * @throws IllegalArgumentException when a row is out of range or repeated, an id is outside the
   *     vocabulary, or a row is full (its position is the context length)
   */
  float[][] step(int[] rows, int[] ids, int n);

  /** The logits of row {@code row}'s last token (its buffer), as its last prefill or step left them. */
  float[] logits(int row);

  /**
   * Row {@code to} becomes a copy of row {@code from}: same tokens, same KV cache, same logits.
   *
   * @throws IllegalArgumentException when a row is out of range
   */
  void copy(int from, int to);

  /**
   * Every row {@code r} becomes a copy of what row {@code sources[r]} held before the call (beam
   * search: the surviving beams' parents). A row may be the source of several rows or of none.
   *
   * @param sources one source row per row ({@code sources.length == rows()})
   * @throws IllegalArgumentException when the length differs from {@link #rows()} or a source is
   *     out of range
   */
  void reorder(int[] sources);

  /** Forgets row {@code row}'s tokens (its next token goes to position 0). Keeps its memory. */
  void reset(int row);

  /** Releases every row's KV cache; the session must not be used afterwards. */
  @Override
  void close();
}
