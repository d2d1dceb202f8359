package dev.llmkit.tokenizer.sentencepiece;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * SentencePiece's normaliser ({@code normalizer.cc}), configured by a {@code NormalizerSpec}: the
 * precompiled rules (nmt_nfkc, nfkc, ...; none for identity), {@code add_dummy_prefix},
 * {@code remove_extra_whitespaces} and {@code escape_whitespaces}. User-defined pieces are matched
 * first and never normalised. It works on UTF-8 bytes, longest rule first, and yields the
 * normalised UTF-8 bytes the model segments.
 *
 * <p>Immutable and thread-safe.
 *
 * @param charsMap the precompiled rules, or null for identity
 * @param addDummyPrefix put a space in front of the text
 * @param removeExtraWhitespaces drop leading and trailing whitespace, collapse runs of it to one
 * @param escapeWhitespaces write spaces as {@code ▁} (U+2581)
 * @param treatWhitespaceAsSuffix the dummy space goes at the end instead
 * @param userDefined user-defined pieces as UTF-8 (matched whole, never normalised)
 */
public record SentencePieceNormalizer(
    PrecompiledCharsMap charsMap,
    boolean addDummyPrefix,
    boolean removeExtraWhitespaces,
    boolean escapeWhitespaces,
    boolean treatWhitespaceAsSuffix,
    List<byte[]> userDefined) {

  private static final byte[] SPACE_SYMBOL = "\u2581".getBytes(StandardCharsets.UTF_8);
  private static final byte[] SPACE = {' '};

  /** Copies the list. */
  public SentencePieceNormalizer {
    userDefined = List.copyOf(userDefined);
  }

  /**
   * Normalises a text.
   *
   * @param text the text
   * @return the normalised text as UTF-8 bytes (empty for a text of whitespace only when extra
   *     whitespace is removed)
   */
  public byte[] normalize(String text) {
    byte[] in = text.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(in.length * 3 + 3);
    int pos = 0;
    int[] len = new int[1];
    if (removeExtraWhitespaces) {
      while (pos < in.length) {
        byte[] p = normalizePrefix(in, pos, len);
        if (!(p.length == 1 && p[0] == ' ')) {
          break;
        }
        pos += len[0];
      }
    }
    if (pos >= in.length) {
      return new byte[0];
    }
    if (!treatWhitespaceAsSuffix && addDummyPrefix) {
      addWs(out);
    }
    boolean prevSpace = removeExtraWhitespaces;
    while (pos < in.length) {
      byte[] sp = normalizePrefix(in, pos, len);
      int s = 0;
      while (prevSpace && s < sp.length && sp[s] == ' ') {
        s++;
      }
      if (s < sp.length) {
        for (int k = s; k < sp.length; k++) {
          if (escapeWhitespaces && sp[k] == ' ') {
            out.write(SPACE_SYMBOL, 0, SPACE_SYMBOL.length);
          } else {
            out.write(sp[k]);
          }
        }
        prevSpace = sp[sp.length - 1] == ' ';
      }
      pos += len[0];
      if (!removeExtraWhitespaces) {
        prevSpace = false;
      }
    }
    byte[] r = out.toByteArray();
    int n = r.length;
    if (removeExtraWhitespaces) {
      byte[] space = escapeWhitespaces ? SPACE_SYMBOL : SPACE;
      while (n >= space.length && endsWith(r, n, space)) {
        n -= space.length;
      }
    }
    if (treatWhitespaceAsSuffix && addDummyPrefix) {
      ByteArrayOutputStream o = new ByteArrayOutputStream(n + 3);
      o.write(r, 0, n);
      addWs(o);
      return o.toByteArray();
    }
    return n == r.length ? r : java.util.Arrays.copyOf(r, n);
  }

  private static boolean endsWith(byte[] r, int n, byte[] suffix) {
    for (int k = 0; k < suffix.length; k++) {
      if (r[n - suffix.length + k] != suffix[k]) {
        return false;
      }
    }
    return true;
  }

  private void addWs(ByteArrayOutputStream out) {
    byte[] ws = escapeWhitespaces ? SPACE_SYMBOL : SPACE;
    out.write(ws, 0, ws.length);
  }

  /**
   * The longest user-defined piece at a position.
   *
   * @param s UTF-8 bytes
   * @param pos the position
   * @return its length in bytes, or 0 when none matches
   */
  public int userDefinedMatch(byte[] s, int pos) {
    int best = 0;
    for (byte[] u : userDefined) {
      if (u.length > best && u.length <= s.length - pos
          && java.util.Arrays.equals(u, 0, u.length, s, pos, pos + u.length)) {
        best = u.length;
      }
    }
    return best;
  }

  /** The normalised form of the longest rule at {@code pos}; its input length goes to len[0]. */
  private byte[] normalizePrefix(byte[] in, int pos, int[] len) {
    int best = userDefinedMatch(in, pos);
    if (best > 0) {
      len[0] = best;
      return java.util.Arrays.copyOfRange(in, pos, pos + best);
    }
    if (charsMap != null) {
      long r = charsMap.search(in, pos, in.length - pos, true);
      if (r >= 0) {
        len[0] = (int) (r >>> 32);
        return charsMap.replacement((int) r);
      }
    }
    int lead = in[pos] & 0xFF;
    int n = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    n = Math.min(n, in.length - pos);
    len[0] = n;
    return java.util.Arrays.copyOfRange(in, pos, pos + n);
  }
}
