package dev.llmkit.training.encoder;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * BERT's masking for masked-LM pretraining (Devlin et al. 2019, §3.1 and Appendix A; Google's
 * {@code create_pretraining_data.py}): in each sequence, {@code max(1, round(rate · n))} of its
 * {@code n} maskable tokens are chosen uniformly without replacement; a chosen token becomes
 * {@code [MASK]} with probability 0.8, a random token with 0.1, and stays unchanged with 0.1; the
 * loss is taken at the chosen positions only, against the original tokens.
 *
 * <p>Special tokens ({@code [CLS]}, {@code [SEP]}, {@code [PAD]}, {@code [MASK]}...) and padding
 * (positions at or after a sequence's length) are never chosen; random replacements are drawn from
 * the ordinary (non-special) vocabulary. Masking is dynamic (RoBERTa): each call draws a fresh mask
 * from the caller's generator, so the same seed gives the same masks. Immutable and thread-safe.
 */
public final class MlmMasking {

  /** BERT's masking rate. */
  public static final double RATE = 0.15;

  private final int vocabSize;
  private final int maskId;
  private final BitSet special;
  private final int[] ordinary;
  private final double rate;

  /**
   * Masking at BERT's rate, 15%.
   *
   * @param vocabSize V
   * @param maskId the [MASK] token
   * @param specialIds tokens never masked nor drawn as random replacements (maskId is added)
   */
  public MlmMasking(int vocabSize, int maskId, int... specialIds) {
    this(vocabSize, maskId, RATE, specialIds);
  }

  /**
   * Masking at another rate.
   *
   * @throws IllegalArgumentException when an id is outside the vocabulary, the rate outside (0, 1),
   *     or no ordinary token is left
   */
  public MlmMasking(int vocabSize, int maskId, double rate, int... specialIds) {
    if (vocabSize < 2 || maskId < 0 || maskId >= vocabSize) {
      throw new IllegalArgumentException("MlmMasking: [MASK] id " + maskId
          + " must lie in a vocabulary of at least 2 tokens (got " + vocabSize + ")");
    }
    if (!(rate > 0 && rate < 1)) {
      throw new IllegalArgumentException("MlmMasking: rate " + rate + " must be in (0, 1)");
    }
    this.vocabSize = vocabSize;
    this.maskId = maskId;
    this.rate = rate;
    this.special = new BitSet(vocabSize);
    special.set(maskId);
    for (int id : Objects.requireNonNull(specialIds, "specialIds")) {
      if (id < 0 || id >= vocabSize) {
        throw new IllegalArgumentException("MlmMasking: special id " + id + " is outside the vocabulary [0, "
            + vocabSize + ")");
      }
      special.set(id);
    }
    this.ordinary = new int[vocabSize - special.cardinality()];
    if (ordinary.length == 0) {
      throw new IllegalArgumentException("MlmMasking: every token of the vocabulary is special");
    }
    for (int id = 0, k = 0; id < vocabSize; id++) {
      if (!special.get(id)) {
        ordinary[k++] = id;
      }
    }
  }

  /** The [MASK] id. */
  public int maskId() {
    return maskId;
  }

  /** Whether {@code id} is never masked. */
  public boolean isSpecial(int id) {
    return special.get(id);
  }

  /**
   * A masked batch.
   *
   * @param input the model's input: the ids with the chosen positions replaced, (B*T)
   * @param labels the original id at each chosen position, -1 elsewhere, (B*T)
   * @param positions the chosen rows b*T + t, ascending
   */
  public record Masked(int[] input, int[] labels, int[] positions) {}

  /**
   * Draws a fresh mask for a padded batch.
   *
   * @param ids B*T ids, row-major (b, t); not modified
   * @param lengths real length of each sequence (positions at or after it are padding)
   * @param block T
   * @param rng the source of randomness
   * @return the masked batch
   * @throws IllegalArgumentException when the shapes disagree or an id is outside the vocabulary
   */
  public Masked apply(int[] ids, int[] lengths, int block, SplittableRandom rng) {
    if (block < 1 || ids.length != lengths.length * block) {
      throw new IllegalArgumentException("MlmMasking: " + ids.length + " ids for " + lengths.length
          + " sequences of " + block + " tokens");
    }
    int[] input = ids.clone();
    int[] labels = new int[ids.length];
    Arrays.fill(labels, -1);
    int[] eligible = new int[block];
    int total = 0;
    for (int b = 0; b < lengths.length; b++) {
      if (lengths[b] < 0 || lengths[b] > block) {
        throw new IllegalArgumentException("MlmMasking: sequence " + b + " has length " + lengths[b]
            + ", expected 0.." + block);
      }
      int n = 0;
      for (int t = 0; t < lengths[b]; t++) {
        int id = ids[b * block + t];
        if (id < 0 || id >= vocabSize) {
          throw new IllegalArgumentException("MlmMasking: sequence " + b + " token " + t + " has id "
              + id + ", expected 0.." + (vocabSize - 1));
        }
        if (!special.get(id)) {
          eligible[n++] = b * block + t;
        }
      }
      if (n == 0) {
        continue;
      }
      int count = Math.max(1, (int) Math.round(rate * n));
      // a partial Fisher-Yates shuffle: the first count of eligible are a uniform sample
      for (int i = 0; i < count; i++) {
        int j = i + rng.nextInt(n - i);
        int row = eligible[j];
        eligible[j] = eligible[i];
        eligible[i] = row;
        labels[row] = ids[row];
        double u = rng.nextDouble();
        if (u < 0.8) {
          input[row] = maskId;
        } else if (u < 0.9) {
          input[row] = ordinary[rng.nextInt(ordinary.length)];
        }
      }
      total += count;
    }
    int[] positions = new int[total];
    for (int r = 0, k = 0; r < labels.length; r++) {
      if (labels[r] >= 0) {
        positions[k++] = r;
      }
    }
    return new Masked(input, labels, positions);
  }
}
