package dev.llmkit.model;

import dev.llmkit.tensor.Tensor;

/**
 * One generation in progress on a {@link LanguageModel}: the token positions seen so far and their
 * KV cache. Each call to a {@code forward} method appends its tokens at positions
 * {@link #position()}, {@code position()+1}, … and returns logits.
 *
 * <p>A session is used by one thread at a time; open one per concurrent generation. All scratch
 * memory is allocated up front (or when a longer chunk than any before arrives), so decoding one
 * token at a time allocates nothing.
 */
public interface InferenceSession extends AutoCloseable {

  /** The model this session runs. */
  LanguageModel model();

  /** Number of tokens held: the position the next token will take. */
  int position();

  /** The token ids held, oldest first (after a sliding-window shift, only the kept ones). */
  int[] tokens();

  /**
   * Runs {@code ids[offset..offset+count)} at the next positions and returns the logits of the last
   * one.
   *
   * @return the logits (length V) of the last token of the chunk; the array belongs to the session
   *     and is overwritten by the next call (copy it to keep it)
   * @throws IllegalArgumentException when an id is outside the vocabulary (naming it), when count is
   *     not positive, or when the chunk would take the session past the context length and the
   *     session has no sliding window (naming both lengths)
   */
  float[] forward(int[] ids, int offset, int count);

  /** {@link #forward(int[], int, int)} over the whole array. */
  default float[] forward(int... ids) {
    return forward(ids, 0, ids.length);
  }

  /**
   * Runs the chunk like {@link #forward(int[], int, int)} and returns the logits of every position.
   *
   * @return a new tensor (count, V)
   */
  Tensor forwardAll(int[] ids, int offset, int count);

  /**
   * Runs the chunk like {@link #forward(int[], int, int)} and returns the attention weights of every
   * layer: element {@code [layer]} is a new tensor (nHeads, count, keyLength) where keyLength is the
   * position after the chunk; row {@code (h, i)} is the softmax distribution of query {@code i} of
   * head {@code h} over the keys (zeros past the causal limit).
   */
  Tensor[] forwardWithAttention(int[] ids, int offset, int count);

  /**
   * Runs the chunk like {@link #forward(int[], int, int)} and returns the hidden state of every
   * position after the final norm (the input of the language-model head), e.g. to pool into a text
   * embedding.
   *
   * @return a new tensor (count, C)
   * @throws UnsupportedOperationException when the model does not expose its hidden states
   */
  default Tensor forwardHidden(int[] ids, int offset, int count) {
    throw new UnsupportedOperationException(
        getClass().getName() + " does not expose its hidden states");
  }

  /** Forgets every token: the next one goes to position 0. Keeps the allocated memory. */
  void reset();

  /**
   * Forgets the tokens from {@code position} on (e.g. to retry a different continuation).
   *
   * @throws IllegalArgumentException when position is negative or past {@link #position()}
   */
  void rewind(int position);

  /** Releases the KV cache; the session must not be used afterwards. */
  @Override
  void close();
}
