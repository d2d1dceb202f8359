package dev.llmkit.tokenizer;

import java.nio.charset.StandardCharsets;

/** UTF-8 helpers shared by the tokenizers. */
public final class Utf8 {
  private Utf8() {}

  /**
   * The number of UTF-8 bytes of {@code text[start, end)}; a lone surrogate counts as U+FFFD (3).
   *
   * @param text the text
   * @param start first char index
   * @param end end char index (exclusive)
   * @return the byte count
   */
  public static int length(CharSequence text, int start, int end) {
    int n = 0;
    for (int i = start; i < end; i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        n += 1;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < end
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  /**
   * Writes the UTF-8 bytes of {@code text[start, end)} into {@code out} from index 0; a lone
   * surrogate is written as U+FFFD ({@code EF BF BD}).
   *
   * @param text the text
   * @param start first char index
   * @param end end char index (exclusive)
   * @param out the destination, at least {@code 3 * (end - start)} long
   * @return the number of bytes written
   */
  public static int encode(CharSequence text, int start, int end, byte[] out) {
    int p = 0;
    for (int i = start; i < end; i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        out[p++] = (byte) c;
      } else if (c < 0x800) {
        out[p++] = (byte) (0xC0 | (c >> 6));
        out[p++] = (byte) (0x80 | (c & 0x3F));
      } else if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c)
            && i + 1 < end
            && Character.isLowSurrogate(text.charAt(i + 1))) {
          int cp = Character.toCodePoint(c, text.charAt(++i));
          out[p++] = (byte) (0xF0 | (cp >> 18));
          out[p++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
          out[p++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
          out[p++] = (byte) (0x80 | (cp & 0x3F));
        } else {
          out[p++] = (byte) 0xEF;
          out[p++] = (byte) 0xBF;
          out[p++] = (byte) 0xBD;
        }
      } else {
        out[p++] = (byte) (0xE0 | (c >> 12));
        out[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
        out[p++] = (byte) (0x80 | (c & 0x3F));
      }
    }
    return p;
  }

  /**
   * The UTF-8 bytes of a string, lone surrogates as U+FFFD.
   *
   * @param text the text
   * @return the bytes
   */
  public static byte[] bytes(CharSequence text) {
    byte[] buf = new byte[Math.max(16, 3 * text.length())];
    int n = encode(text, 0, text.length(), buf);
    return java.util.Arrays.copyOf(buf, n);
  }

  /**
   * Decodes UTF-8; invalid sequences become U+FFFD.
   *
   * @param b the bytes
   * @param off the first byte
   * @param len the number of bytes
   * @return the text
   */
  public static String decode(byte[] b, int off, int len) {
    return new String(b, off, len, StandardCharsets.UTF_8);
  }

  /**
   * The length of the longest prefix of {@code b[0, len)} that does not end inside an incomplete
   * (but so far valid) multi-byte character: the bytes after it could still be completed by bytes
   * that have not arrived yet.
   *
   * @param b the bytes
   * @param len the number of valid bytes in {@code b}
   * @return the length of the prefix that can be decoded now
   */
  public static int completePrefix(byte[] b, int len) {
    // Look back at most 3 bytes for the lead byte of the last character.
    int stop = Math.max(0, len - 3);
    for (int i = len - 1; i >= stop; i--) {
      int v = b[i] & 0xFF;
      if ((v & 0xC0) == 0x80) {
        continue; // continuation byte: keep looking for its lead
      }
      int need;
      if (v >= 0xF0 && v <= 0xF4) {
        need = 4;
      } else if (v >= 0xE0 && v <= 0xEF) {
        need = 3;
      } else if (v >= 0xC2 && v <= 0xDF) {
        need = 2;
      } else {
        return len; // ASCII or an invalid lead: nothing to wait for
      }
      return (len - i < need) ? i : len;
    }
    return len;
  }
}
