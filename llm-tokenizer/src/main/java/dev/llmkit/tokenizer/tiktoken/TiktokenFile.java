package dev.llmkit.tokenizer.tiktoken;

import dev.llmkit.tokenizer.TokenizerFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * The tiktoken rank file format: one line per token, {@code base64(token bytes) SPACE rank}; the
 * rank is the token id and its merge priority.
 */
public final class TiktokenFile {
  private TiktokenFile() {}

  /**
   * Reads a rank file.
   *
   * @param in the content (read fully, not closed)
   * @param fileName the file name, for error messages
   * @return token bytes indexed by rank; ranks missing from the file are {@code null}
   * @throws IOException if reading fails
   * @throws IllegalArgumentException if a line is malformed, naming the file and the line number
   */
  public static byte[][] read(InputStream in, String fileName) throws IOException {
    byte[] all = in.readAllBytes();
    byte[][] tokens = new byte[1024][];
    int maxRank = -1;
    Base64.Decoder b64 = Base64.getDecoder();
    int line = 0;
    int p = 0;
    while (p < all.length) {
      int eol = p;
      while (eol < all.length && all[eol] != '\n') {
        eol++;
      }
      line++;
      int end = eol;
      if (end > p && all[end - 1] == '\r') {
        end--;
      }
      if (end > p) {
        int sp = p;
        while (sp < end && all[sp] != ' ') {
          sp++;
        }
        if (sp == end || sp == p) {
          throw malformed(fileName, line, all, p, end);
        }
        byte[] token;
        try {
          token = b64.decode(Arrays.copyOfRange(all, p, sp));
        } catch (IllegalArgumentException e) {
          throw malformed(fileName, line, all, p, end);
        }
        int rank = 0;
        if (sp + 1 >= end) {
          throw malformed(fileName, line, all, p, end);
        }
        for (int i = sp + 1; i < end; i++) {
          int d = all[i] - '0';
          if (d < 0 || d > 9 || rank > 100_000_000) {
            throw malformed(fileName, line, all, p, end);
          }
          rank = rank * 10 + d;
        }
        if (token.length == 0) {
          throw malformed(fileName, line, all, p, end);
        }
        if (rank >= tokens.length) {
          tokens = Arrays.copyOf(tokens, Math.max(rank + 1, tokens.length * 2));
        }
        if (tokens[rank] != null) {
          throw new TokenizerFormatException(
              fileName + " line " + line + ": rank " + rank + " appears twice");
        }
        tokens[rank] = token;
        maxRank = Math.max(maxRank, rank);
      }
      p = eol + 1;
    }
    if (maxRank < 0) {
      throw new TokenizerFormatException(fileName + ": no ranks (empty file)");
    }
    return Arrays.copyOf(tokens, maxRank + 1);
  }

  private static IllegalArgumentException malformed(
      String fileName, int line, byte[] all, int from, int to) {
    String text = new String(all, from, Math.min(to - from, 80), StandardCharsets.UTF_8);
    return new TokenizerFormatException(
        fileName + " line " + line + ": expected 'base64 rank', got '" + text + "'");
  }

  /**
   * Writes token bytes in the rank file format (ranks in increasing order, null entries skipped).
   *
   * @param tokens token bytes indexed by rank
   * @param out the destination (not closed)
   * @throws IOException if writing fails
   */
  public static void write(byte[][] tokens, OutputStream out) throws IOException {
    Base64.Encoder b64 = Base64.getEncoder();
    StringBuilder sb = new StringBuilder();
    for (int r = 0; r < tokens.length; r++) {
      if (tokens[r] != null) {
        sb.append(b64.encodeToString(tokens[r])).append(' ').append(r).append('\n');
      }
    }
    out.write(sb.toString().getBytes(StandardCharsets.US_ASCII));
  }
}
