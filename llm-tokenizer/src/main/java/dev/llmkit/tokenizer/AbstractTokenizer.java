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
  private final Map<String, Integer> addedTokens;
  private final Map<Character, String[]> byFirstChar = new java.util.HashMap<>();
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
    this(name, specialTokens, Map.of(), bosId, eosId);
  }

  /**
   * Creates the base with added tokens: ordinary tokens that are always matched in the text
   * before the model's own splitting (Hugging Face's non-special {@code added_tokens}, GGUF's
   * user-defined tokens).
   *
   * @param name a short name used in error messages (encoding name or file)
   * @param specialTokens special token text to id (copied)
   * @param addedTokens always-matched token text to id (copied)
   * @param bosId the BOS id or empty
   * @param eosId the EOS id or empty
   */
  protected AbstractTokenizer(
      String name,
      Map<String, Integer> specialTokens,
      Map<String, Integer> addedTokens,
      OptionalInt bosId,
      OptionalInt eosId) {
    this.name = Objects.requireNonNull(name, "name");
    this.specialTokens = Collections.unmodifiableMap(new LinkedHashMap<>(specialTokens));
    this.addedTokens = Collections.unmodifiableMap(new LinkedHashMap<>(addedTokens));
    Map<Character, java.util.List<String>> index = new java.util.HashMap<>();
    for (String s : this.specialTokens.keySet()) {
      if (!s.isEmpty()) {
        index.computeIfAbsent(s.charAt(0), k -> new java.util.ArrayList<>()).add(s);
      }
    }
    for (String s : this.addedTokens.keySet()) {
      if (!s.isEmpty() && !this.specialTokens.containsKey(s)) {
        index.computeIfAbsent(s.charAt(0), k -> new java.util.ArrayList<>()).add(s);
      }
    }
    for (Map.Entry<Character, java.util.List<String>> e : index.entrySet()) {
      byFirstChar.put(
          e.getKey(),
          e.getValue().stream()
              .sorted((a, b) -> Integer.compare(b.length(), a.length()))
              .toArray(String[]::new));
    }
    this.bosId = Objects.requireNonNull(bosId, "bosId");
    this.eosId = Objects.requireNonNull(eosId, "eosId");
  }

  /**
   * The added tokens: ordinary tokens matched in any text before the model's own splitting.
   *
   * @return an unmodifiable map, text to id
   */
  public Map<String, Integer> addedTokens() {
    return addedTokens;
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
   * Whether a token decodes to any text when it is not leading; tokens that do not (control
   * tokens such as BOS) leave the next token in the leading position.
   *
   * @param id a valid id
   * @return true when the token produces text
   */
  protected boolean producesText(int id) {
    byte[] b = decodeBytes(id, false);
    return b != null && b.length > 0;
  }

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
    return encode(text, Set.of());
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
    if (text.isEmpty()) {
      return new int[0];
    }
    IntList out = new IntList(Math.max(16, text.length() / 3));
    if (addedTokens.isEmpty() && allowedSpecial.isEmpty()) {
      encodeOrdinary(text, 0, text.length(), true, out);
      return out.toArray();
    }
    // Leftmost-longest matching of added tokens and allowed special tokens (as Hugging Face).
    int n = text.length();
    int segStart = 0;
    boolean atStart = true;
    int i = 0;
    while (i < n) {
      String[] candidates = byFirstChar.get(text.charAt(i));
      String match = null;
      if (candidates != null) {
        for (String c : candidates) {
          if ((allowedSpecial.contains(c) || addedTokens.containsKey(c))
              && text.startsWith(c, i)) {
            match = c;
            break;
          }
        }
      }
      if (match == null) {
        i++;
        continue;
      }
      if (i > segStart) {
        encodeOrdinary(text, segStart, i, atStart, out);
      }
      Integer id = allowedSpecial.contains(match) ? specialTokens.get(match)
          : addedTokens.get(match);
      out.add(id);
      atStart = true;
      i += match.length();
      segStart = i;
    }
    if (segStart < n) {
      encodeOrdinary(text, segStart, n, atStart, out);
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
      leading &= !producesText(id);
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
      leading &= !producesText(id);
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
