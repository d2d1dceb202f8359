package dev.llmkit.model.generate;

import dev.llmkit.tokenizer.StreamingDecoder;
import dev.llmkit.tokenizer.Tokenizer;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/** Test tokenizer: id i is the character {@code '0' + i}; optional BOS/EOS ids have no text. */
final class CharTokenizer implements Tokenizer {

  private final int vocab;
  private final int bos;
  private final int eos;

  CharTokenizer(int vocab, int bos, int eos) {
    this.vocab = vocab;
    this.bos = bos;
    this.eos = eos;
  }

  @Override
  public int[] encode(String text) {
    return text.chars().map(c -> c - '0').toArray();
  }

  @Override
  public int[] encode(String text, Set<String> allowedSpecial) {
    return encode(text);
  }

  @Override
  public String decode(int[] ids) {
    StringBuilder sb = new StringBuilder();
    for (int id : ids) {
      if (id < 0 || id >= vocab) {
        throw new IllegalArgumentException("id " + id);
      }
      if (id != bos && id != eos) {
        sb.append((char) ('0' + id));
      }
    }
    return sb.toString();
  }

  @Override
  public int vocabSize() {
    return vocab;
  }

  @Override
  public Map<String, Integer> specialTokens() {
    return Map.of();
  }

  @Override
  public OptionalInt bosId() {
    return bos < 0 ? OptionalInt.empty() : OptionalInt.of(bos);
  }

  @Override
  public OptionalInt eosId() {
    return eos < 0 ? OptionalInt.empty() : OptionalInt.of(eos);
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
