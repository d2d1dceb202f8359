package dev.llmkit.training.data;

import java.util.Objects;

/**
 * nanoGPT's {@code get_batch}: every row is a random contiguous window of {@code block + 1} tokens
 * of the corpus; the inputs are its first {@code block} tokens and the targets the same window shifted
 * by one. Window starts are uniform in {@code [0, length - block)}, drawn from a seeded generator.
 */
public final class RandomWindowBatches implements BatchSource {

  private final TokenSequence tokens;
  private final int batch;
  private final int block;
  private final SplitMix64 rng;
  private final int[] window;

  /**
   * A source of windows of {@code tokens}.
   *
   * @throws IllegalArgumentException when the corpus is shorter than {@code block + 1} tokens, or
   *     batch/block are not positive
   */
  public RandomWindowBatches(TokenSequence tokens, int batch, int block, long seed) {
    this.tokens = Objects.requireNonNull(tokens, "tokens");
    if (batch <= 0) {
      throw new IllegalArgumentException("batch must be > 0, got " + batch);
    }
    if (block <= 0) {
      throw new IllegalArgumentException("block must be > 0, got " + block);
    }
    if (tokens.length() < block + 1L) {
      throw new IllegalArgumentException(
          "the corpus has " + tokens.length() + " tokens, fewer than block + 1 = " + (block + 1)
              + " needed for one training window");
    }
    this.batch = batch;
    this.block = block;
    this.rng = new SplitMix64(seed);
    this.window = new int[block + 1];
  }

  @Override
  public int batch() {
    return batch;
  }

  @Override
  public int block() {
    return block;
  }

  @Override
  public void next(int[] inputs, int[] targets) {
    int n = batch * block;
    if (inputs.length != n || targets.length != n) {
      throw new IllegalArgumentException(
          "inputs/targets must hold batch * block = " + n + " ids, got " + inputs.length + "/"
              + targets.length);
    }
    // starts uniform in [0, length - block), as torch.randint(len(data) - block, (batch_size,))
    long range = tokens.length() - block;
    for (int b = 0; b < batch; b++) {
      long start = rng.nextLong(range);
      tokens.copyTo(start, window, 0, block + 1);
      System.arraycopy(window, 0, inputs, b * block, block);
      System.arraycopy(window, 1, targets, b * block, block);
    }
  }

  @Override
  public long rngState() {
    return rng.state();
  }

  @Override
  public void setRngState(long state) {
    rng.setState(state);
  }
}
