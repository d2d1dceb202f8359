package dev.llmkit.sampling;

/**
 * Partial selection of the largest entries of a float array with a bounded min-heap: O(n log k)
 * worst case and close to O(n) in practice (most entries lose one comparison against the heap's
 * root), never a full sort. Equal values rank by lower index first, so results do not depend on
 * anything but the values.
 */
public final class TopSelection {

  private TopSelection() {}

  /**
   * The {@code k} largest entries of {@code values[0, length)} greater than {@code exclusiveFloor},
   * in descending order (equal values: lower index first).
   *
   * @param values the values (NaN entries are never selected)
   * @param length how many entries of {@code values} to consider
   * @param k how many to select, {@code >= 0}
   * @param exclusiveFloor only entries strictly greater are selected (e.g. {@code -Infinity} or 0)
   * @param ids receives the selected indices; length {@code >= k}
   * @param selected receives the selected values; length {@code >= k} (may be {@code null})
   * @return how many entries were selected ({@code <= k})
   */
  public static int top(
      float[] values, int length, int k, float exclusiveFloor, int[] ids, float[] selected) {
    if (k <= 0) {
      return 0;
    }
    // min-heap in ids[0, count): root = the worst kept entry (smallest value, then highest index)
    int count = 0;
    int i = 0;
    for (; i < length && count < k; i++) {
      float v = values[i];
      if (v > exclusiveFloor) {
        ids[count] = i;
        siftUp(values, ids, count);
        count++;
      }
    }
    if (count == k) {
      float rootValue = values[ids[0]];
      for (; i < length; i++) {
        float v = values[i];
        // a later index with an equal value ranks lower, so only a strictly larger value enters
        if (v > rootValue) {
          ids[0] = i;
          siftDown(values, ids, k);
          rootValue = values[ids[0]];
        }
      }
    }
    // heap sort in place: repeatedly move the worst to the end -> descending order
    for (int end = count - 1; end > 0; end--) {
      int worst = ids[0];
      ids[0] = ids[end];
      ids[end] = worst;
      siftDown(values, ids, end);
    }
    if (selected != null) {
      for (int j = 0; j < count; j++) {
        selected[j] = values[ids[j]];
      }
    }
    return count;
  }

  /** True if index {@code a} ranks below index {@code b} (smaller value, or equal and higher index). */
  private static boolean worse(float[] values, int a, int b) {
    float va = values[a];
    float vb = values[b];
    return va < vb || (va == vb && a > b);
  }

  private static void siftUp(float[] values, int[] heap, int pos) {
    int item = heap[pos];
    while (pos > 0) {
      int parent = (pos - 1) >>> 1;
      if (!worse(values, item, heap[parent])) {
        break;
      }
      heap[pos] = heap[parent];
      pos = parent;
    }
    heap[pos] = item;
  }

  private static void siftDown(float[] values, int[] heap, int size) {
    int pos = 0;
    int item = heap[0];
    while (true) {
      int child = 2 * pos + 1;
      if (child >= size) {
        break;
      }
      if (child + 1 < size && worse(values, heap[child + 1], heap[child])) {
        child++;
      }
      if (!worse(values, heap[child], item)) {
        break;
      }
      heap[pos] = heap[child];
      pos = child;
    }
    heap[pos] = item;
  }
}
