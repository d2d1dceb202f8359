package dev.llmkit.tensor;

import java.util.Arrays;

/**
 * Per-thread scratch arrays of the kernels, reused from call to call so that a training step does
 * not produce tens of megabytes of garbage. Each kernel names fixed slots; a slot's array has at
 * least the length asked for (often more) and keeps whatever the last user left in it unless taken
 * {@link #zeroed}. A kernel must not use one slot for two live arrays, and a slot used around a
 * {@link Parallel} loop must differ from the slots its body uses (the calling thread runs a chunk).
 */
final class KernelScratch {

  static final int SLOTS = 12;

  private static final ThreadLocal<float[][]> ARRAYS = ThreadLocal.withInitial(() -> new float[SLOTS][]);

  private KernelScratch() {}

  /** The calling thread's array in {@code slot}, at least {@code n} floats; contents undefined. */
  static float[] floats(int slot, int n) {
    float[][] a = ARRAYS.get();
    float[] f = a[slot];
    if (f == null || f.length < n) {
      f = new float[n];
      a[slot] = f;
    }
    return f;
  }

  /** {@link #floats} with {@code [0, n)} set to zero. */
  static float[] zeroed(int slot, int n) {
    float[] f = floats(slot, n);
    Arrays.fill(f, 0, n, 0f);
    return f;
  }

  /** The first {@code n} elements of {@code x} in {@code slot}. */
  static float[] copy(int slot, Tensor x, int n) {
    float[] f = floats(slot, n);
    x.buffer().get(0, f, 0, n);
    return f;
  }
}
