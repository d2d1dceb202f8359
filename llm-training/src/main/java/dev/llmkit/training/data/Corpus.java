package dev.llmkit.training.data;

import dev.llmkit.tokenizer.Tokenizer;
import java.util.Objects;

/**
 * A tokenized text corpus split into a training part and a validation part (the first and last
 * fractions of the token stream, as nanoGPT's {@code prepare.py} does).
 *
 * @param train the first {@code trainFraction} of the tokens
 * @param validation the rest
 */
public record Corpus(TokenSequence train, TokenSequence validation) {

  /** The split nanoGPT uses: 90% training, 10% validation. */
  public static final double DEFAULT_TRAIN_FRACTION = 0.9;

  /** Checks both parts are present. */
  public Corpus {
    Objects.requireNonNull(train, "train");
    Objects.requireNonNull(validation, "validation");
  }

  /**
   * Tokenizes {@code text} with any tokenizer and splits it 90/10.
   *
   * @throws IllegalArgumentException when the text gives no tokens
   */
  public static Corpus of(String text, Tokenizer tokenizer) {
    return split(TokenSequence.of(tokenizer.encode(text)), DEFAULT_TRAIN_FRACTION);
  }

  /**
   * Splits tokens at {@code floor(length * trainFraction)}.
   *
   * @throws IllegalArgumentException when the fraction is not in (0, 1] or there are no tokens
   */
  public static Corpus split(TokenSequence tokens, double trainFraction) {
    if (!(trainFraction > 0 && trainFraction <= 1)) {
      throw new IllegalArgumentException("trainFraction must be in (0, 1], got " + trainFraction);
    }
    if (tokens.length() == 0) {
      throw new IllegalArgumentException("the corpus has no tokens");
    }
    long n = (long) Math.floor(tokens.length() * trainFraction);
    return new Corpus(tokens.slice(0, n), tokens.slice(n, tokens.length()));
  }
}
