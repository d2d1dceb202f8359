package dev.llmkit.training.finetune;

import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.training.data.BatchSource;
import dev.llmkit.training.data.SplitMix64;
import java.util.List;

/**
 * Batches for supervised fine-tuning: every row is one prompt/response example drawn uniformly at
 * random (seeded), padded to {@code block}; the targets of prompt and padding positions are
 * {@code -1}, so the cross-entropy counts response tokens only.
 */
public final class SupervisedBatches implements BatchSource {

  private final TokenizedExample[] examples;
  private final int batch;
  private final int block;
  private final SplitMix64 rng;

  /**
   * Tokenizes every example.
   *
   * @throws IllegalArgumentException when there are no examples or one is longer than block + 1
   */
  public SupervisedBatches(
      List<PromptResponse> data, Tokenizer tokenizer, int batch, int block, long seed) {
    if (data.isEmpty()) {
      throw new IllegalArgumentException("no supervised examples");
    }
    if (batch <= 0 || block <= 0) {
      throw new IllegalArgumentException("batch and block must be > 0, got " + batch + "/" + block);
    }
    this.examples = new TokenizedExample[data.size()];
    for (int i = 0; i < examples.length; i++) {
      examples[i] = TokenizedExample.of(
          tokenizer, data.get(i).prompt(), data.get(i).response(), block, i);
    }
    this.batch = batch;
    this.block = block;
    this.rng = new SplitMix64(seed);
  }

  /** The tokenized examples, in data-set order. */
  public List<TokenizedExample> examples() {
    return List.of(examples);
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
    if (inputs.length != batch * block || targets.length != batch * block) {
      throw new IllegalArgumentException("inputs/targets must hold batch * block = " + batch * block
          + " ids, got " + inputs.length + "/" + targets.length);
    }
    for (int b = 0; b < batch; b++) {
      examples[(int) rng.nextLong(examples.length)].writeRow(inputs, targets, b * block, block);
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
