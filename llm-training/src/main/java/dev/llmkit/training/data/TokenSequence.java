package dev.llmkit.training.data;

import java.util.Arrays;

/**
 * A read-only sequence of token ids: a tokenized corpus held in memory ({@link #of(int[])}) or a
 * memory-mapped token file ({@link MappedTokenFile}) for corpora larger than memory.
 *
 * <p>Indices are {@code long} so that a mapped file may hold more than 2^31 tokens.
 */
public interface TokenSequence {

  /** Number of tokens. */
  long length();

  /**
   * The token at {@code index}.
   *
   * @throws IndexOutOfBoundsException when {@code index} is outside {@code [0, length())}
   */
  int get(long index);

  /**
   * Copies {@code count} tokens starting at {@code from} into {@code dst[offset..offset+count)}.
   * Implementations override this with a bulk copy.
   */
  default void copyTo(long from, int[] dst, int offset, int count) {
    if (from < 0 || count < 0 || from + count > length()) {
      throw new IndexOutOfBoundsException(
          "tokens [" + from + ", " + (from + count) + ") outside a sequence of " + length());
    }
    for (int i = 0; i < count; i++) {
      dst[offset + i] = get(from + i);
    }
  }

  /**
   * A view of tokens {@code [from, to)}.
   *
   * @throws IndexOutOfBoundsException when the range is not inside {@code [0, length()]}
   */
  default TokenSequence slice(long from, long to) {
    TokenSequence parent = this;
    if (from < 0 || to < from || to > length()) {
      throw new IndexOutOfBoundsException(
          "slice [" + from + ", " + to + ") of a sequence of " + length() + " tokens");
    }
    return new TokenSequence() {
      @Override
      public long length() {
        return to - from;
      }

      @Override
      public int get(long index) {
        if (index < 0 || index >= to - from) {
          throw new IndexOutOfBoundsException("token " + index + " of a slice of " + (to - from));
        }
        return parent.get(from + index);
      }

      @Override
      public void copyTo(long start, int[] dst, int offset, int count) {
        if (start < 0 || count < 0 || start + count > to - from) {
          throw new IndexOutOfBoundsException(
              "tokens [" + start + ", " + (start + count) + ") outside a slice of " + (to - from));
        }
        parent.copyTo(from + start, dst, offset, count);
      }
    };
  }

  /** A sequence over a copy of {@code ids}. */
  static TokenSequence of(int[] ids) {
    int[] data = ids.clone();
    return new TokenSequence() {
      @Override
      public long length() {
        return data.length;
      }

      @Override
      public int get(long index) {
        if (index < 0 || index >= data.length) {
          throw new IndexOutOfBoundsException("token " + index + " of a sequence of " + data.length);
        }
        return data[(int) index];
      }

      @Override
      public void copyTo(long from, int[] dst, int offset, int count) {
        if (from < 0 || count < 0 || from + count > data.length) {
          throw new IndexOutOfBoundsException(
              "tokens [" + from + ", " + (from + count) + ") outside a sequence of " + data.length);
        }
        System.arraycopy(data, (int) from, dst, offset, count);
      }

      @Override
      public String toString() {
        return "TokenSequence" + Arrays.toString(Arrays.copyOf(data, Math.min(8, data.length)))
            + (data.length > 8 ? "... (" + data.length + " tokens)" : "");
      }
    };
  }
}
