package dev.llmkit.model.generate;

import java.util.Set;

/**
 * Beam search settings, with Hugging Face's meanings ({@code GenerationConfig}).
 *
 * @param numBeams beams kept per step ({@code num_beams}), {@code >= 1}
 * @param lengthPenalty a finished hypothesis scores {@code sum_logprobs / length^lengthPenalty},
 *     length = its generated tokens (the EOS included); above 0 favours longer ones
 *     ({@code length_penalty}, default 1.0)
 * @param earlyStopping when the search ends ({@code early_stopping}): {@link EarlyStopping#TRUE}
 *     as soon as numBeams hypotheses are finished; {@link EarlyStopping#FALSE} (default) when no
 *     running beam can beat the worst finished one at the current length; {@link
 *     EarlyStopping#NEVER} when none can at the longest length allowed
 * @param noRepeatNgramSize no n-gram of this size occurs twice in a sequence (prompt included);
 *     0 turns it off ({@code no_repeat_ngram_size})
 * @param numReturnSequences how many of the best finished hypotheses to return, in
 *     {@code [1, numBeams]} ({@code num_return_sequences})
 * @param maxNewTokens the most tokens generated ({@code max_new_tokens}), {@code >= 1}
 * @param eosTokens ids that finish a hypothesis; null: the tokenizer's EOS id, else the model's
 */
public record BeamSearchOptions(int numBeams, double lengthPenalty, EarlyStopping earlyStopping,
    int noRepeatNgramSize, int numReturnSequences, int maxNewTokens, Set<Integer> eosTokens) {

  /** Hugging Face's {@code early_stopping} values: True, False and "never". */
  public enum EarlyStopping { TRUE, FALSE, NEVER }

  /** Validates the settings, naming the bad one. */
  public BeamSearchOptions {
    if (numBeams < 1) {
      throw new IllegalArgumentException("num_beams must be >= 1, got " + numBeams);
    }
    if (numReturnSequences < 1 || numReturnSequences > numBeams) {
      throw new IllegalArgumentException("num_return_sequences must be in [1, num_beams = "
          + numBeams + "], got " + numReturnSequences);
    }
    if (maxNewTokens < 1) {
      throw new IllegalArgumentException("max_new_tokens must be >= 1, got " + maxNewTokens);
    }
    if (noRepeatNgramSize < 0) {
      throw new IllegalArgumentException(
          "no_repeat_ngram_size must be >= 0 (0: off), got " + noRepeatNgramSize);
    }
    if (Double.isNaN(lengthPenalty) || Double.isInfinite(lengthPenalty)) {
      throw new IllegalArgumentException("length_penalty must be finite, got " + lengthPenalty);
    }
    if (earlyStopping == null) {
      throw new IllegalArgumentException("early_stopping must not be null");
    }
    eosTokens = eosTokens == null ? null : Set.copyOf(eosTokens);
  }

  /** numBeams beams and maxNewTokens tokens, Hugging Face's defaults for the rest. */
  public static BeamSearchOptions of(int numBeams, int maxNewTokens) {
    return new BeamSearchOptions(numBeams, 1.0, EarlyStopping.FALSE, 0, 1, maxNewTokens, null);
  }

  /** These settings with another length penalty. */
  public BeamSearchOptions withLengthPenalty(double p) {
    return new BeamSearchOptions(numBeams, p, earlyStopping, noRepeatNgramSize, numReturnSequences,
        maxNewTokens, eosTokens);
  }

  /** These settings with another early-stopping rule. */
  public BeamSearchOptions withEarlyStopping(EarlyStopping e) {
    return new BeamSearchOptions(numBeams, lengthPenalty, e, noRepeatNgramSize, numReturnSequences,
        maxNewTokens, eosTokens);
  }

  /** These settings with another no-repeat n-gram size. */
  public BeamSearchOptions withNoRepeatNgramSize(int n) {
    return new BeamSearchOptions(numBeams, lengthPenalty, earlyStopping, n, numReturnSequences,
        maxNewTokens, eosTokens);
  }

  /** These settings returning another number of sequences. */
  public BeamSearchOptions withNumReturnSequences(int n) {
    return new BeamSearchOptions(numBeams, lengthPenalty, earlyStopping, noRepeatNgramSize, n,
        maxNewTokens, eosTokens);
  }

  /** These settings with other EOS ids. */
  public BeamSearchOptions withEosTokens(Set<Integer> eos) {
    return new BeamSearchOptions(numBeams, lengthPenalty, earlyStopping, noRepeatNgramSize,
        numReturnSequences, maxNewTokens, eos);
  }
}
