package dev.llmkit.tokenizer;

import java.util.Arrays;

/** A growable list of {@code int}s, used to collect token ids without boxing. Not thread-safe. */
public final class IntList {
  private int[] data;
  private int size;

  /** An empty list with a small initial capacity. */
  public IntList() {
    this(16);
  }

  /**
   * An empty list.
   *
   * @param capacity the initial capacity (at least 1 is used)
   */
  public IntList(int capacity) {
    data = new int[Math.max(1, capacity)];
  }

  /**
   * Appends one value.
   *
   * @param v the value
   */
  public void add(int v) {
    if (size == data.length) {
      data = Arrays.copyOf(data, data.length * 2);
    }
    data[size++] = v;
  }

  /**
   * Appends {@code n} values from an array.
   *
   * @param src the array
   * @param from the first index
   * @param n how many
   */
  public void addAll(int[] src, int from, int n) {
    ensure(size + n);
    System.arraycopy(src, from, data, size, n);
    size += n;
  }

  private void ensure(int capacity) {
    if (capacity > data.length) {
      data = Arrays.copyOf(data, Math.max(capacity, data.length * 2));
    }
  }

  /**
   * The value at an index.
   *
   * @param i the index, {@code 0 <= i < size()}
   * @return the value
   */
  public int get(int i) {
    if (i >= size) {
      throw new IndexOutOfBoundsException("index " + i + " outside 0.." + (size - 1));
    }
    return data[i];
  }

  /**
   * The number of values.
   *
   * @return the size
   */
  public int size() {
    return size;
  }

  /** Removes every value. */
  public void clear() {
    size = 0;
  }

  /**
   * Shrinks the list to its first {@code n} values.
   *
   * @param n the new size, {@code 0 <= n <= size()}
   */
  public void truncate(int n) {
    if (n < 0 || n > size) {
      throw new IndexOutOfBoundsException("size " + n + " outside 0.." + size);
    }
    size = n;
  }

  /**
   * A copy of the values.
   *
   * @return a new array of length {@link #size()}
   */
  public int[] toArray() {
    return Arrays.copyOf(data, size);
  }
}
