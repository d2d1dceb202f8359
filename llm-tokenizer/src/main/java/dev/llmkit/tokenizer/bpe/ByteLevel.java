package dev.llmkit.tokenizer.bpe;

import java.io.ByteArrayOutputStream;

/**
 * GPT-2's reversible map between bytes and printable Unicode characters, used by byte-level BPE
 * vocabularies stored as text ({@code vocab.json}, {@code tokenizer.json}, GGUF {@code gpt2}):
 * printable Latin-1 bytes map to themselves, the other 68 bytes to U+0100 and up.
 */
public final class ByteLevel {
  private static final char[] BYTE_TO_CHAR = new char[256];
  private static final int[] CHAR_TO_BYTE = new int[512];

  static {
    java.util.Arrays.fill(CHAR_TO_BYTE, -1);
    int n = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
      char c = printable ? (char) b : (char) (256 + n++);
      BYTE_TO_CHAR[b] = c;
      CHAR_TO_BYTE[c] = b;
    }
  }

  private ByteLevel() {}

  /**
   * The character that stands for a byte.
   *
   * @param b the byte
   * @return its character
   */
  public static char charOf(int b) {
    return BYTE_TO_CHAR[b & 0xFF];
  }

  /**
   * The text form of a byte sequence.
   *
   * @param bytes the bytes
   * @return one character per byte
   */
  public static String encode(byte[] bytes) {
    char[] cs = new char[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      cs[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
    }
    return new String(cs);
  }

  /**
   * The bytes a byte-level token string stands for.
   *
   * @param token the token text
   * @return the bytes, or {@code null} when a character is not one of the 256 byte characters
   */
  public static byte[] decode(String token) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(token.length());
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
      if (b < 0) {
        return null;
      }
      out.write(b);
    }
    return out.toByteArray();
  }
}
