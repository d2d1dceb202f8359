package dev.llmkit.tokenizer.sentencepiece;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * SentencePiece's precompiled normalisation rules ({@code NormalizerSpec.precompiled_charsmap},
 * also Hugging Face's {@code Precompiled} normaliser): a darts-clone double-array trie over UTF-8
 * byte strings whose values point into a block of NUL-terminated replacement strings.
 *
 * <p>Blob layout: {@code <trie size in bytes, uint32 LE><trie units, uint32 LE each><normalized
 * strings>}. A unit packs {@code has_leaf} (bit 8), the label (low byte, bit 31 set on value
 * units), the value (low 31 bits) and the offset to the children (bits 10.., shifted left by 8
 * when bit 9 is set), as in {@code darts.h}.
 *
 * <p>Immutable and thread-safe.
 */
public final class PrecompiledCharsMap {
  private final int[] units;
  private final byte[] normalized;

  /**
   * Decodes a blob.
   *
   * @param blob the precompiled charsmap bytes
   * @param source where it came from, for messages
   * @throws IllegalArgumentException if the blob is shorter than its header says
   */
  public PrecompiledCharsMap(byte[] blob, String source) {
    if (blob.length <= 4) {
      throw new IllegalArgumentException(
          source + ": precompiled_charsmap of " + blob.length + " bytes is too short for its header");
    }
    ByteBuffer bb = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
    long trieSize = bb.getInt() & 0xFFFFFFFFL;
    if (trieSize >= blob.length - 4 || trieSize % 4 != 0 || trieSize == 0) {
      throw new IllegalArgumentException(
          source + ": precompiled_charsmap trie size " + trieSize + " does not fit its "
              + blob.length + "-byte blob (expected a multiple of 4 below the blob size)");
    }
    units = new int[(int) (trieSize / 4)];
    bb.asIntBuffer().get(units);
    int start = 4 + (int) trieSize;
    normalized = java.util.Arrays.copyOfRange(blob, start, blob.length);
  }

  private static boolean hasLeaf(int unit) {
    return ((unit >>> 8) & 1) == 1;
  }

  private static int value(int unit) {
    return unit & 0x7FFFFFFF;
  }

  private static int label(int unit) {
    return unit & 0x800000FF;
  }

  private static int offset(int unit) {
    return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
  }

  /**
   * Common-prefix search over {@code key[off, off+len)} as darts-clone does it, stopping at a NUL
   * byte.
   *
   * @param key the bytes
   * @param off where the key starts
   * @param len how many bytes may be matched
   * @param longest true: the longest matching rule (SentencePiece's normaliser); false: the first,
   *     shortest one (Hugging Face's {@code Precompiled})
   * @return {@code (matched length << 32) | value}, or -1 when no rule matches
   */
  public long search(byte[] key, int off, int len, boolean longest) {
    int nodePos = 0;
    int unit = units[0];
    nodePos ^= offset(unit);
    long best = -1;
    for (int i = 0; i < len; i++) {
      int c = key[off + i] & 0xFF;
      if (c == 0) {
        break;
      }
      nodePos ^= c;
      if (nodePos < 0 || nodePos >= units.length) {
        return best;
      }
      unit = units[nodePos];
      if (label(unit) != c) {
        return best;
      }
      nodePos ^= offset(unit);
      if (hasLeaf(unit)) {
        if (nodePos < 0 || nodePos >= units.length) {
          return best;
        }
        long found = ((long) (i + 1) << 32) | value(units[nodePos]);
        if (!longest) {
          return found;
        }
        best = found;
      }
    }
    return best;
  }

  /**
   * The replacement string a rule's value points at (up to the next NUL).
   *
   * @param value a value from {@link #search}
   * @return the UTF-8 bytes
   */
  public byte[] replacement(int value) {
    int e = value;
    while (e < normalized.length && normalized[e] != 0) {
      e++;
    }
    return java.util.Arrays.copyOfRange(normalized, Math.min(value, normalized.length), e);
  }

  /**
   * Hugging Face's {@code Precompiled} normaliser (the {@code spm_precompiled} crate): grapheme by
   * grapheme, a grapheme of under 6 bytes is replaced whole when a rule matches a prefix of it,
   * otherwise each character is replaced by its rule or kept.
   *
   * @param text the text
   * @return the normalised text
   */
  public String normalizeHf(String text) {
    StringBuilder out = new StringBuilder(text.length());
    java.util.regex.Matcher g = GRAPHEME.matcher(text);
    while (g.find()) {
      String grapheme = g.group();
      byte[] gb = grapheme.getBytes(StandardCharsets.UTF_8);
      if (gb.length < 6) {
        long r = search(gb, 0, gb.length, false);
        if (r >= 0) {
          out.append(new String(replacement((int) r), StandardCharsets.UTF_8));
          continue;
        }
      }
      for (int i = 0; i < grapheme.length(); ) {
        int cp = grapheme.codePointAt(i);
        int n = Character.charCount(cp);
        byte[] cb = grapheme.substring(i, i + n).getBytes(StandardCharsets.UTF_8);
        long r = search(cb, 0, cb.length, false);
        if (r >= 0) {
          out.append(new String(replacement((int) r), StandardCharsets.UTF_8));
        } else {
          out.appendCodePoint(cp);
        }
        i += n;
      }
    }
    return out.toString();
  }

  private static final java.util.regex.Pattern GRAPHEME = java.util.regex.Pattern.compile("\\X");
}
