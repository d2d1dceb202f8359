package dev.llmkit.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.tokenizer.bpe.BytePairTokenizer;
import dev.llmkit.tokenizer.trainer.BpeTrainer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seeded random round trips: for well-formed Unicode text — any code point outside the surrogate
 * range, mixed with the training text's characters (so merges fire) and runs of spaces, newlines,
 * tabs and NULs — a byte-level BPE tokenizer decodes what it encodes to the same text, every id is
 * inside the vocabulary, and the streaming decoder fed one id at a time yields the same text. A
 * failure names the seed of the case, so it can be replayed. {@code -Dllmkit.fuzz.scale=N}
 * multiplies the cases (the long run for developers; see README "Hostile files and crashes").
 */
class TokenizerRoundTripFuzzTest {

  private static final String CORPUS = "the quick brown fox jumps over the lazy dog; the dog sleeps. "
      + "Grüße, naïve café — 東京 🙂 ";
  private static final int[] FAMILIAR = CORPUS.codePoints().toArray();

  static String text(SplittableRandom r) {
    StringBuilder b = new StringBuilder();
    int n = r.nextInt(61);
    for (int i = 0; i < n; i++) {
      int kind = r.nextInt(10);
      if (kind < 3) {
        int cp = r.nextInt(0x10FFFF - 0x800 + 1);
        b.appendCodePoint(cp < 0xD800 ? cp : cp + 0x800); // skip the surrogates
      } else if (kind < 9) {
        b.appendCodePoint(FAMILIAR[r.nextInt(FAMILIAR.length)]);
      } else {
        b.append(" \n\t\0".charAt(r.nextInt(4)));
      }
    }
    return b.toString();
  }

  @Test
  @Timeout(60)
  void byteLevelBpeRoundTripsAnyText() {
    BytePairTokenizer bpe = BpeTrainer.train(CORPUS.repeat(5), 60);
    SplittableRandom seeds = new SplittableRandom(19);
    List<String> problems = new ArrayList<>();
    int n = 2000 * FuzzTally.SCALE;
    for (int i = 0; i < n && problems.size() < 10; i++) {
      long seed = seeds.nextLong();
      String text = text(new SplittableRandom(seed));
      int[] ids = bpe.encode(text);
      for (int id : ids) {
        if (id < 0 || id >= bpe.vocabSize()) {
          problems.add("seed " + seed + ": id " + id + " outside the vocabulary");
        }
      }
      if (!bpe.decode(ids).equals(text)) {
        problems.add("seed " + seed + ": decode(encode(text)) differs for " + escape(text));
      }
      StreamingDecoder d = bpe.streamingDecoder();
      StringBuilder out = new StringBuilder();
      for (int id : ids) {
        out.append(d.push(id));
      }
      out.append(d.flush());
      if (!out.toString().equals(text)) {
        problems.add("seed " + seed + ": streaming decode differs for " + escape(text));
      }
    }
    System.out.println("tokenizer round-trip fuzz: " + n + " texts, " + problems.size() + " problems");
    assertThat(problems).isEmpty();
  }

  private static String escape(String s) {
    return UntrustedText.name(s);
  }
}
