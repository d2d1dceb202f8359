package dev.llmkit.model.t5;

import dev.llmkit.tokenizer.StreamingDecoder;
import dev.llmkit.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;

/** Test tokenizer: text is ids separated by spaces; EOS as given. */
final class IdTokenizer implements Tokenizer {

  private final int vocab;
  private final int eos;

  IdTokenizer(int vocab, int eos) {
    this.vocab = vocab;
    this.eos = eos;
  }

  @Override
  public int[] encode(String text) {
    return text.isBlank() ? new int[0] : Arrays.stream(text.trim().split(" +")).mapToInt(Integer::parseInt).toArray();
  }

  @Override
  public int[] encode(String text, Set<String> allowedSpecial) {
    return encode(text);
  }

  @Override
  public String decode(int[] ids) {
    return Arrays.stream(ids).mapToObj(i -> " " + i).collect(Collectors.joining());
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
    return OptionalInt.empty();
  }

  @Override
  public OptionalInt eosId() {
    return OptionalInt.of(eos);
  }

  @Override
  public StreamingDecoder streamingDecoder() {
    return new StreamingDecoder() {
      @Override
      public String push(int id) {
        return " " + id;
      }

      @Override
      public String flush() {
        return "";
      }
    };
  }
}
