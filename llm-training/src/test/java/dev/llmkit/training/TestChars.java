package dev.llmkit.training;

import dev.llmkit.tokenizer.StreamingDecoder;
import dev.llmkit.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;

/**
 * Test helper: nanoGPT's character vocabulary (the sorted distinct characters of a text), and access
 * to the test data folder.
 */
public final class TestChars implements Tokenizer {

  private final char[] chars;
  private final int[] index = new int[Character.MAX_VALUE + 1];

  /** The vocabulary of the distinct characters of {@code text}, sorted. */
  public TestChars(String text) {
    TreeSet<Character> set = new TreeSet<>();
    for (int i = 0; i < text.length(); i++) {
      set.add(text.charAt(i));
    }
    chars = new char[set.size()];
    java.util.Arrays.fill(index, -1);
    int k = 0;
    for (char c : set) {
      index[c] = k;
      chars[k++] = c;
    }
  }

  /** Tiny Shakespeare from the repository's {@code testdata/} folder. */
  public static String shakespeare() throws Exception {
    String dir = System.getProperty("llmkit.test.data", "../testdata");
    return Files.readString(Path.of(dir, "tinyshakespeare.txt"));
  }

  @Override
  public int[] encode(String text) {
    int[] ids = new int[text.length()];
    for (int i = 0; i < ids.length; i++) {
      int id = index[text.charAt(i)];
      if (id < 0) {
        throw new IllegalArgumentException("character not in vocabulary: " + text.charAt(i));
      }
      ids[i] = id;
    }
    return ids;
  }

  @Override
  public int[] encode(String text, Set<String> allowedSpecial) {
    return encode(text);
  }

  @Override
  public String decode(int[] ids) {
    StringBuilder sb = new StringBuilder();
    for (int id : ids) {
      sb.append(chars[id]);
    }
    return sb.toString();
  }

  @Override
  public int vocabSize() {
    return chars.length;
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
        return String.valueOf(chars[id]);
      }

      @Override
      public String flush() {
        return "";
      }
    };
  }
}
