package dev.llmkit.tokenizer;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Base of the tokenizers in this library: special-token handling, decoding through token bytes,
 * and the streaming decoder. A subclass encodes ordinary text and says what bytes each id decodes
 * to. Subclasses must be immutable so that instances are thread-safe.
 */
public abstract class AbstractTokenizer implements Tokenizer {

  private final String name;
  private final Map<String, Integer> specialTokens;
  private final String[] specialsByLength;
  private final OptionalInt bosId;
  private final OptionalInt eosId;

  /**
   * Creates the base.
   *
   * @param name a short name used in error messages (encoding name or file)
   * @param specialTokens special token text to id (copied)
   * @param bosId the BOS id or empty
   * @param eosId the EOS id or empty
   */
  protected AbstractTokenizer(
      String name, Map<String, Integer> specialTokens, OptionalInt bosId, OptionalInt eosId) {
    this.name = Objects.requireNonNull(name, "name");
    this.specialTokens = Collections.unmodifiableMap(new LinkedHashMap<>(specialTokens));
    this.specialsByLength =
        specialTokens.keySet().stream()
            .sorted((a, b) -> Integer.compare(b.length(), a.length()))
            .toArray(String[]::new);
    this.bosId = Objects.requireNonNull(bosId, "bosId");
    this.eosId = Objects.requireNonNull(eosId, "eosId");
  }

  /**
   * Encodes ordinary text (no special-token recognition), appending ids to {@code out}.
   *
   * @param text the whole text
   * @param start first char of the segment
   * @param end end of the segment (exclusive); the segment is never empty
   * @param atStart true when the segment begins the text or follows a special token (SentencePiece
   *     vocabularies add their leading-space prefix there)
   * @param out where the ids go
   */
  protected abstract void encodeOrdinary(
      String text, int start, int end, boolean atStart, IntList out);

  /**
   * The bytes an id decodes to.
   *
   * @param id the id
   * @param leading true when no earlier token in this decode produced any bytes (SentencePiece
   *     vocabularies drop their leading-space prefix there)
   * @return the bytes (possibly empty), or {@code null} when the id is not in the vocabulary
   */
  protected abstract byte[] decodeBytes(int id, boolean leading);

  /**
   * A short name for messages: the encoding name or the file it came from.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  @Override
  public int[] encode(String text) {
    Objects.requireNonNull(text, "text");
    if (text.isEmpty()) {
      return new int[0];
    }
    IntList out = new IntList(Math.max(16, text.length() / 3));
    encodeOrdinary(text, 0, text.length(), true, out);
    return out.toArray();
  }

  @Override
  public int[] encode(String text, Set<String> allowedSpecial) {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(allowedSpecial, "allowedSpecial");
    for (String s : allowedSpecial) {
      if (!specialTokens.containsKey(s)) {
        throw new IllegalArgumentException(
            "allowedSpecial: '" + s + "' is not a special token of " + name
                + "; expected one of " + specialTokens.keySet());
      }
    }
    if (allowedSpecial.isEmpty()) {
      return encode(text);
    }
    IntList out = new IntList(Math.max(16, text.length() / 3));
    int pos = 0;
    boolean atStart = true;
    int n = text.length();
    while (pos < n) {
      // earliest occurrence of an allowed special token; the longest one on a tie
      int best = -1;
      String bestToken = null;
      for (String s : specialsByLength) {
        if (!allowedSpecial.contains(s)) {
          continue;
        }
        int at = text.indexOf(s, pos);
        if (at >= 0 && (best < 0 || at < best)) {
          best = at;
          bestToken = s;
        }
      }
      int segEnd = best < 0 ? n : best;
      if (segEnd > pos) {
        encodeOrdinary(text, pos, segEnd, atStart, out);
        atStart = false;
      }
      if (best < 0) {
        break;
      }
      out.add(specialTokens.get(bestToken));
      atStart = true;
      pos = best + bestToken.length();
    }
    return out.toArray();
  }

  @Override
  public String decode(int[] ids) {
    Objects.requireNonNull(ids, "ids");
    byte[] buf = new byte[Math.max(16, ids.length * 4)];
    int len = 0;
    boolean leading = true;
    for (int id : ids) {
      byte[] b = decodeBytes(id, leading);
      if (b == null) {
        throw unknownId(id);
      }
      if (len + b.length > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + b.length));
      }
      System.arraycopy(b, 0, buf, len, b.length);
      len += b.length;
      leading &= b.length == 0;
    }
    return Utf8.decode(buf, 0, len);
  }

  /**
   * The exception for an id outside the vocabulary.
   *
   * @param id the id
   * @return the exception, naming the id and the valid range
   */
  protected IllegalArgumentException unknownId(int id) {
    return new IllegalArgumentException(
        "token id " + id + " is not in the vocabulary of " + name + " (ids 0.."
            + (vocabSize() - 1) + ")");
  }

  @Override
  public Map<String, Integer> specialTokens() {
    return specialTokens;
  }

  @Override
  public OptionalInt bosId() {
    return bosId;
  }

  @Override
  public OptionalInt eosId() {
    return eosId;
  }

  @Override
  public StreamingDecoder streamingDecoder() {
    return new Utf8StreamingDecoder();
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + name + ", " + vocabSize() + " ids]";
  }

  /** Emits text as soon as its UTF-8 characters are complete. */
  private final class Utf8StreamingDecoder implements StreamingDecoder {
    private byte[] pending = new byte[16];
    private int len;
    private boolean leading = true;

    @Override
    public String push(int id) {
      byte[] b = decodeBytes(id, leading);
      if (b == null) {
        throw unknownId(id);
      }
      leading &= b.length == 0;
      if (len + b.length > pending.length) {
        pending = Arrays.copyOf(pending, Math.max(pending.length * 2, len + b.length));
      }
      System.arraycopy(b, 0, pending, len, b.length);
      len += b.length;
      int ready = Utf8.completePrefix(pending, len);
      if (ready == 0) {
        return "";
      }
      String s = Utf8.decode(pending, 0, ready);
      System.arraycopy(pending, ready, pending, 0, len - ready);
      len -= ready;
      return s;
    }

    @Override
    public String flush() {
      String s = Utf8.decode(pending, 0, len);
      len = 0;
      leading = true;
      return s;
    }
  }
}
