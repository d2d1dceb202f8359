package dev.llmkit.training.finetune;

import dev.llmkit.tokenizer.Tokenizer;

/**
 * A fine-tuning sequence as ids: {@code promptLength} prompt tokens followed by the response tokens
 * (and the tokenizer's end-of-sequence id, when it has one, so the model learns to stop).
 *
 * @param ids prompt then response ids
 * @param promptLength number of leading prompt ids
 */
public record TokenizedExample(int[] ids, int promptLength) {

  /**
   * Tokenizes {@code prompt + response}; prompt and response are encoded separately so the boundary
   * is exact.
   *
   * @param index the example's index, for error messages
   * @throws IllegalArgumentException when the sequence is longer than {@code block + 1} tokens or the
   *     response gives no tokens
   */
  public static TokenizedExample of(
      Tokenizer tokenizer, String prompt, String response, int block, int index) {
    int[] p = tokenizer.encode(prompt);
    int[] r = tokenizer.encode(response);
    if (r.length == 0) {
      throw new IllegalArgumentException("example " + index + ": the response gives no tokens");
    }
    int eos = tokenizer.eosId().isPresent() ? 1 : 0;
    int[] ids = new int[p.length + r.length + eos];
    System.arraycopy(p, 0, ids, 0, p.length);
    System.arraycopy(r, 0, ids, p.length, r.length);
    if (eos == 1) {
      ids[ids.length - 1] = tokenizer.eosId().getAsInt();
    }
    if (ids.length > block + 1) {
      throw new IllegalArgumentException("example " + index + " has " + ids.length
          + " tokens (prompt " + p.length + "), more than block + 1 = " + (block + 1));
    }
    if (ids.length < 2) {
      throw new IllegalArgumentException("example " + index + " has fewer than 2 tokens");
    }
    return new TokenizedExample(ids, p.length);
  }

  /**
   * Writes this example as one row of a batch: {@code inputs[t] = ids[t]}, {@code targets[t] =
   * ids[t+1]} where {@code ids[t+1]} is a response token, {@code -1} on prompt and padding positions
   * (padding inputs are 0).
   */
  public void writeRow(int[] inputs, int[] targets, int offset, int block) {
    for (int t = 0; t < block; t++) {
      boolean real = t + 1 < ids.length;
      inputs[offset + t] = t < ids.length ? ids[t] : 0;
      targets[offset + t] = real && t + 1 >= promptLength ? ids[t + 1] : -1;
    }
  }
}
