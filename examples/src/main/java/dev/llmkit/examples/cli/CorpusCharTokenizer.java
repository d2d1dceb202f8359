package dev.llmkit.examples.cli;

import dev.llmkit.tokenizer.StreamingDecoder;
import dev.llmkit.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * nanoGPT's character-level vocabulary: the sorted distinct code points of a corpus, id = rank.
 * Used by {@code llm train --tokenizer char}; saved beside the model as {@value #FILE} (the
 * vocabulary as one UTF-8 string) so {@code llm finetune} can rebuild it.
 */
final class CorpusCharTokenizer implements Tokenizer {

  /** File the vocabulary is saved in. */
  static final String FILE = "char_vocab.txt";

  private final int[] codePoints;

  private CorpusCharTokenizer(int[] sortedDistinct) {
    this.codePoints = sortedDistinct;
  }

  /** The vocabulary of every distinct code point of {@code text}. */
  static CorpusCharTokenizer fromCorpus(String text) {
    return new CorpusCharTokenizer(text.codePoints().distinct().sorted().toArray());
  }

  /** Reads a vocabulary saved by {@link #save}. */
  static CorpusCharTokenizer load(Path file) throws IOException {
    return fromCorpus(Files.readString(file, StandardCharsets.UTF_8));
  }

  /** Writes the vocabulary into {@code dir}. */
  void save(Path dir) throws IOException {
    Files.writeString(dir.resolve(FILE), new String(codePoints, 0, codePoints.length),
        StandardCharsets.UTF_8);
  }

  @Override
  public int[] encode(String text) {
    return text.codePoints().map(cp -> {
      int id = Arrays.binarySearch(codePoints, cp);
      if (id < 0) {
        throw new IllegalArgumentException("character U+" + Integer.toHexString(cp).toUpperCase()
            + " ('" + new String(Character.toChars(cp)) + "') is not in the " + codePoints.length
            + "-character vocabulary");
      }
      return id;
    }).toArray();
  }

  @Override
  public int[] encode(String text, Set<String> allowedSpecial) {
    if (!allowedSpecial.isEmpty()) {
      throw new IllegalArgumentException("a character vocabulary has no special tokens: " + allowedSpecial);
    }
    return encode(text);
  }

  @Override
  public String decode(int[] ids) {
    StringBuilder sb = new StringBuilder();
    for (int id : ids) {
      if (id < 0 || id >= codePoints.length) {
        throw new IllegalArgumentException("id " + id + " outside [0, " + codePoints.length + ")");
      }
      sb.appendCodePoint(codePoints[id]);
    }
    return sb.toString();
  }

  @Override
  public int vocabSize() {
    return codePoints.length;
  }

  @Override
  public Map<String, Integer> specialTokens() {
    return Map.of();
  }

  @Override
  public OptionalInt bosId() {
    return OptionalInt.empty();
  }

  @Override
  public OptionalInt eosId() {
    return OptionalInt.empty();
  }

  @Override
  public StreamingDecoder streamingDecoder() {
    return new StreamingDecoder() {
      @Override
      public String push(int id) {
        return decode(new int[] {id});
      }

      @Override
      public String flush() {
        return "";
      }
    };
  }
}
