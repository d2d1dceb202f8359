package dev.llmkit.tokenizer.sentencepiece;

import dev.llmkit.tokenizer.AbstractTokenizer;
import dev.llmkit.tokenizer.IntList;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.UnaryOperator;

/**
 * A Unigram tokenizer as Hugging Face {@code tokenizers} runs a {@code tokenizer.json} with a
 * {@code Unigram} model (T5, ALBERT, XLNet, mT5 style): normaliser, then the {@code Metaspace}
 * pre-tokenizer (spaces become {@code ▁}, a {@code ▁} is prepended by its prepend scheme, and the
 * text is split before each {@code ▁} when {@code split} is set), then Viterbi over each piece
 * ({@link UnigramModel.Flavor#HUGGING_FACE}).
 *
 * <p>Immutable and thread-safe.
 */
public final class UnigramTokenizer extends AbstractTokenizer {
  /** When the Metaspace pre-tokenizer prepends {@code ▁}. */
  public enum PrependScheme {
    /** To every segment (between added tokens) that does not start with one. */
    ALWAYS,
    /** Only to the segment at the start of the text. */
    FIRST,
    /** Never. */
    NEVER
  }

  /**
   * The Metaspace pre-tokenizer (and decoder) settings.
   *
   * @param replacement the character standing for a space ({@code ▁})
   * @param prependScheme when to prepend it
   * @param split split before every replacement character
   */
  public record Metaspace(char replacement, PrependScheme prependScheme, boolean split) {}

  private final UnigramModel model;
  private final Map<String, Integer> normalizedAdded;
  private final UnaryOperator<String> normalizer;
  private final Metaspace metaspace;
  private final byte[][] decodePlain;
  private final byte[][] decodeLeading;

  /**
   * Creates the tokenizer.
   *
   * @param name a name for messages
   * @param model the Unigram model (Hugging Face flavour)
   * @param normalizer the normaliser (identity when the file has none)
   * @param metaspace the pre-tokenizer, or null for none (the whole normalised text is one piece)
   * @param decodeBytes whether {@code <0xXX>} pieces decode to their byte (a
   *     {@code ByteFallback} decoder)
   * @param specials special tokens
   * @param added added (always matched) tokens, matched in the raw text
   * @param normalizedAdded added tokens matched in the normalised text ({@code "normalized":
   *     true})
   * @param bos BOS id or empty
   * @param eos EOS id or empty
   */
  public UnigramTokenizer(
      String name,
      UnigramModel model,
      UnaryOperator<String> normalizer,
      Metaspace metaspace,
      boolean decodeBytes,
      Map<String, Integer> specials,
      Map<String, Integer> added,
      Map<String, Integer> normalizedAdded,
      OptionalInt bos,
      OptionalInt eos) {
    super(name, specials, added, bos, eos);
    this.model = model;
    this.normalizedAdded = Map.copyOf(normalizedAdded);
    this.normalizer = normalizer;
    this.metaspace = metaspace;
    int n = model.size();
    decodePlain = new byte[n][];
    decodeLeading = new byte[n][];
    boolean strip = metaspace != null && metaspace.prependScheme() != PrependScheme.NEVER;
    for (int id = 0; id < n; id++) {
      int b = SentencePieceTokenizer.parseByte(model.piece(id));
      if (decodeBytes && b >= 0) {
        decodePlain[id] = new byte[] {(byte) b};
        decodeLeading[id] = decodePlain[id];
        continue;
      }
      String p = model.piece(id);
      String text = metaspace == null ? p : p.replace(metaspace.replacement(), ' ');
      decodePlain[id] = text.getBytes(StandardCharsets.UTF_8);
      decodeLeading[id] = strip && text.startsWith(" ")
          ? text.substring(1).getBytes(StandardCharsets.UTF_8)
          : decodePlain[id];
    }
  }

  /**
   * The model.
   *
   * @return the Unigram model
   */
  public UnigramModel model() {
    return model;
  }

  @Override
  public int vocabSize() {
    return model.size();
  }

  @Override
  protected void encodeOrdinary(String text, int start, int end, boolean atStart, IntList out) {
    String seg = text.substring(start, end);
    String s = normalizer.apply(seg);
    if (s.isEmpty()) {
      return;
    }
    // Hugging Face's "first" scheme prepends only when the normalised text still begins with
    // the text's first character (a Strip or a removed control character moves it)
    boolean origin0 = start == 0
        && !normalizer.apply(seg.substring(0, Character.charCount(seg.codePointAt(0)))).isEmpty();
    // added tokens with "normalized": true are found in the normalised text
    int from = 0;
    int i = 0;
    while (i < s.length() && !normalizedAdded.isEmpty()) {
      String match = null;
      for (Map.Entry<String, Integer> e : normalizedAdded.entrySet()) {
        if (s.startsWith(e.getKey(), i) && (match == null || e.getKey().length() > match.length())) {
          match = e.getKey();
        }
      }
      if (match == null) {
        i++;
        continue;
      }
      if (i > from) {
        preTokenize(s.substring(from, i), origin0 && from == 0, out);
      }
      out.add(normalizedAdded.get(match));
      i += match.length();
      from = i;
    }
    if (from < s.length()) {
      preTokenize(s.substring(from), origin0 && from == 0, out);
    }
  }

  private void preTokenize(String s, boolean atOrigin, IntList out) {
    if (metaspace == null) {
      encodePiece(s, out);
      return;
    }
    char rep = metaspace.replacement();
    s = s.replace(' ', rep);
    boolean prepend = metaspace.prependScheme() == PrependScheme.ALWAYS
        || (metaspace.prependScheme() == PrependScheme.FIRST && atOrigin);
    if (prepend && s.charAt(0) != rep) {
      s = rep + s;
    }
    if (!metaspace.split()) {
      encodePiece(s, out);
      return;
    }
    int from = 0;
    for (int i = 1; i < s.length(); i++) {
      if (s.charAt(i) == rep) {
        encodePiece(s.substring(from, i), out);
        from = i;
      }
    }
    encodePiece(s.substring(from), out);
  }

  private void encodePiece(String piece, IntList out) {
    byte[] b = piece.getBytes(StandardCharsets.UTF_8);
    model.encode(b, 0, b.length, out);
  }

  @Override
  protected byte[] decodeBytes(int id, boolean leading) {
    if (id < 0 || id >= decodePlain.length) {
      return null;
    }
    return leading ? decodeLeading[id] : decodePlain[id];
  }
}
