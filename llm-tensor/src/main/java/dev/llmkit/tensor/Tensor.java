package dev.llmkit.tensor;

import dev.llmkit.tensor.kernel.Parallel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A dense, row-major (C-order), contiguous float32 tensor in off-heap memory.
 *
 * <p>This is the one tensor type that the other modules see. The memory belongs to ND4J, so BLAS and
 * ND4J's native ops work on it in place, and Java kernels read and write it through {@link #buffer()}.
 * ND4J never appears on this class's public API, so the backend can be swapped later.
 *
 * <p>Views: {@link #reshape(int...)}, {@link #slice(int, int)} and {@link #row(int)} share memory with
 * the tensor they come from; a write through one is seen by the other. Tensors are not thread-safe
 * for concurrent writes to the same elements; concurrent reads are safe.
 */
public final class Tensor {

  /** The whole allocation, flat; views share it. */
  private final INDArray base;
  /** Offset of this tensor's first element in {@link #base}. */
  private final int offset;

  private final int[] shape;
  private final int length;
  /** Direct view of exactly this tensor's elements: index 0 is the first element. */
  private final FloatBuffer data;
  /** Lazily made ND4J view with this tensor's shape. */
  private INDArray nd;
  /** Lazily found native address of the first element (0 = not yet known). */
  private long address;
  /** Lazily made little-endian byte view of exactly this tensor's elements. */
  private ByteBuffer bytes;

  private Tensor(INDArray base, int offset, int[] shape) {
    this.base = base;
    this.offset = offset;
    this.shape = shape;
    this.length = checkedLength(shape);
    if ((long) offset + length > base.length()) {
      throw new IllegalArgumentException(
          "view of " + Arrays.toString(shape) + " at offset " + offset
              + " does not fit in a buffer of " + base.length() + " elements");
    }
    FloatBuffer all = base.data().asNioFloat();
    this.data = all.slice(offset, length);
  }

  // ---------------------------------------------------------------------------------- factories

  /** Bytes of tensor memory this thread has allocated, ever (see {@link #bytesAllocatedByThisThread}). */
  private static final ThreadLocal<long[]> ALLOCATED = ThreadLocal.withInitial(() -> new long[1]);

  /**
   * Bytes of new tensor memory (every factory below) the calling thread has allocated since it
   * started; never decreases. The difference of two readings is what the code in between allocated,
   * which is how a trainer accounts for the buffers it holds.
   */
  public static long bytesAllocatedByThisThread() {
    return ALLOCATED.get()[0];
  }

  /** A new tensor of zeros. */
  public static Tensor zeros(int... shape) {
    int n = checkedLength(shape);
    INDArray flat = Nd4j.create(DataType.FLOAT, Math.max(n, 1));
    ALLOCATED.get()[0] += 4L * Math.max(n, 1);
    return new Tensor(flat, 0, shape.clone());
  }

  /** A new tensor holding a copy of {@code values} (row-major) with the given shape. */
  public static Tensor of(float[] values, int... shape) {
    int n = checkedLength(shape);
    if (values.length != n) {
      throw new IllegalArgumentException(
          "Tensor.of: " + values.length + " values do not fill shape " + Arrays.toString(shape)
              + " (" + n + " elements)");
    }
    Tensor t = zeros(shape);
    t.data.put(0, values);
    return t;
  }

  /** A 1-D tensor holding a copy of {@code values}. */
  public static Tensor vector(float... values) {
    return of(values, values.length);
  }

  /** A new tensor filled with {@code value}. */
  public static Tensor full(float value, int... shape) {
    Tensor t = zeros(shape);
    t.fill(value);
    return t;
  }

  /**
   * A new tensor of independent normal samples with mean 0 and the given standard deviation, drawn
   * from a generator seeded with {@code seed} (the same seed gives the same tensor everywhere).
   */
  public static Tensor randn(long seed, float std, int... shape) {
    Tensor t = zeros(shape);
    SplittableRandom rng = new SplittableRandom(seed);
    for (int i = 0; i < t.length; i++) {
      t.data.put(i, (float) (gaussian(rng) * std));
    }
    return t;
  }

  /** A new tensor of independent uniform samples in [lo, hi), seeded as {@link #randn}. */
  public static Tensor rand(long seed, float lo, float hi, int... shape) {
    Tensor t = zeros(shape);
    SplittableRandom rng = new SplittableRandom(seed);
    for (int i = 0; i < t.length; i++) {
      t.data.put(i, (float) (lo + (hi - lo) * rng.nextDouble()));
    }
    return t;
  }

  private static double gaussian(SplittableRandom rng) {
    // Box-Muller; deterministic for a given generator state.
    double u1 = rng.nextDouble();
    double u2 = rng.nextDouble();
    return Math.sqrt(-2.0 * Math.log(1.0 - u1)) * Math.cos(2.0 * Math.PI * u2);
  }

  // ---------------------------------------------------------------------------------- shape

  /** A copy of the shape. */
  public int[] shape() {
    return shape.clone();
  }

  /** Number of dimensions. */
  public int rank() {
    return shape.length;
  }

  /** Size of dimension {@code axis}; negative axes count from the end. */
  public int dim(int axis) {
    int a = axis < 0 ? axis + shape.length : axis;
    if (a < 0 || a >= shape.length) {
      throw new IllegalArgumentException(
          "axis " + axis + " out of range for shape " + Arrays.toString(shape));
    }
    return shape[a];
  }

  /** Total number of elements. */
  public int length() {
    return length;
  }

  /** True when the shapes are equal. */
  public boolean sameShape(Tensor other) {
    return Arrays.equals(shape, other.shape);
  }

  /** Shape as text, e.g. {@code [2, 3]}, for error messages. */
  public String shapeString() {
    return Arrays.toString(shape);
  }

  // ---------------------------------------------------------------------------------- elements

  /**
   * The direct buffer of this tensor's elements, row-major, index 0 = first element. Use absolute
   * {@code get(int)}/{@code put(int, float)} only: the buffer's position is shared.
   */
  public FloatBuffer buffer() {
    return data;
  }

  /** Element at a flat (row-major) index. */
  public float getFlat(int i) {
    return data.get(i);
  }

  /** Sets the element at a flat (row-major) index. */
  public void setFlat(int i, float v) {
    data.put(i, v);
  }

  /** Element at a multi-dimensional index. */
  public float get(int... index) {
    return data.get(flatIndex(index));
  }

  /** Sets the element at a multi-dimensional index. */
  public void set(float value, int... index) {
    data.put(flatIndex(index), value);
  }

  private int flatIndex(int[] index) {
    if (index.length != shape.length) {
      throw new IllegalArgumentException(
          "index " + Arrays.toString(index) + " has " + index.length + " dimensions, shape "
              + Arrays.toString(shape) + " has " + shape.length);
    }
    int flat = 0;
    for (int d = 0; d < shape.length; d++) {
      if (index[d] < 0 || index[d] >= shape[d]) {
        throw new IndexOutOfBoundsException(
            "index " + Arrays.toString(index) + " out of bounds for shape " + Arrays.toString(shape));
      }
      flat = flat * shape[d] + index[d];
    }
    return flat;
  }

  /** A copy of the elements as a Java array, row-major. */
  public float[] toArray() {
    float[] out = new float[length];
    data.get(0, out);
    return out;
  }

  /** Copies {@code values} (row-major, same length) into this tensor. */
  public Tensor copyFrom(float[] values) {
    if (values.length != length) {
      throw new IllegalArgumentException(
          "copyFrom: " + values.length + " values into shape " + Arrays.toString(shape));
    }
    data.put(0, values);
    return this;
  }

  /** Copies the elements of {@code src} (same number of elements) into this tensor. */
  public Tensor copyFrom(Tensor src) {
    if (src.length != length) {
      throw new IllegalArgumentException(
          "copyFrom: shape " + src.shapeString() + " into shape " + shapeString());
    }
    data.put(0, src.data, 0, length);
    return this;
  }

  /**
   * Sets every element to {@code value}: a plain loop split over the kernel pool, since one native
   * ND4J call costs more than the loop for the small tensors cleared every training step.
   */
  public Tensor fill(float value) {
    FloatBuffer b = data;
    Parallel.forRange(length, 1, (from, to) -> {
      for (int i = from; i < to; i++) {
        b.put(i, value);
      }
    });
    return this;
  }

  /** A new tensor with a copy of the elements. */
  public Tensor copy() {
    return zeros(shape).copyFrom(this);
  }

  // ---------------------------------------------------------------------------------- views

  /** A view with another shape and the same number of elements; one dimension may be -1. */
  public Tensor reshape(int... newShape) {
    int[] s = newShape.clone();
    int infer = -1;
    int known = 1;
    for (int d = 0; d < s.length; d++) {
      if (s[d] == -1) {
        if (infer >= 0) {
          throw new IllegalArgumentException("reshape: more than one -1 in " + Arrays.toString(newShape));
        }
        infer = d;
      } else {
        known *= s[d];
      }
    }
    if (infer >= 0) {
      if (known == 0 || length % known != 0) {
        throw new IllegalArgumentException(
            "reshape: cannot view " + shapeString() + " as " + Arrays.toString(newShape));
      }
      s[infer] = length / known;
    }
    if (checkedLength(s) != length) {
      throw new IllegalArgumentException(
          "reshape: cannot view " + shapeString() + " (" + length + " elements) as "
              + Arrays.toString(newShape));
    }
    return new Tensor(base, offset, s);
  }

  /** A view of rows {@code [start, end)} along dimension 0. */
  public Tensor slice(int start, int end) {
    if (shape.length == 0 || start < 0 || end > shape[0] || start > end) {
      throw new IllegalArgumentException(
          "slice [" + start + ", " + end + ") out of range for shape " + shapeString());
    }
    int inner = shape[0] == 0 ? 0 : length / shape[0];
    int[] s = shape.clone();
    s[0] = end - start;
    return new Tensor(base, offset + start * inner, s);
  }

  /** A view of index {@code i} along dimension 0, with that dimension removed. */
  public Tensor row(int i) {
    if (shape.length == 0 || i < 0 || i >= shape[0]) {
      throw new IllegalArgumentException("row " + i + " out of range for shape " + shapeString());
    }
    int inner = length / shape[0];
    return new Tensor(base, offset + i * inner, Arrays.copyOfRange(shape, 1, shape.length));
  }

  // ---------------------------------------------------------------------------------- ND4J bridge

  /** The ND4J view of this tensor (same memory, this shape). Only kernels in this package use it. */
  INDArray nd() {
    INDArray v = nd;
    if (v == null) {
      INDArray flat =
          (offset == 0 && length == base.length())
              ? base
              : base.get(NDArrayIndex.interval(offset, offset + length));
      long[] ls = new long[shape.length];
      for (int d = 0; d < shape.length; d++) {
        ls[d] = shape[d];
      }
      v = shape.length == 0 ? flat.reshape(1) : flat.reshape('c', ls);
      nd = v;
    }
    return v;
  }

  /** Native address of this tensor's first element, for BLAS calls inside this package. */
  long address() {
    long a = address;
    if (a == 0) {
      a = new Pointer(data).address();
      address = a;
    }
    return a;
  }

  /**
   * A byte view (native order) of exactly this tensor's elements, for SIMD loads inside this
   * package. Byte {@code 4*i} is the start of element {@code i}. Use absolute access only.
   */
  ByteBuffer bytes() {
    ByteBuffer b = bytes;
    if (b == null) {
      b = base.data().asNio().slice(offset * 4, length * 4).order(ByteOrder.nativeOrder());
      bytes = b;
    }
    return b;
  }

  /** Wraps an ND4J array (C-order, float32, contiguous) without copying. */
  static Tensor wrap(INDArray array) {
    if (array.dataType() != DataType.FLOAT) {
      array = array.castTo(DataType.FLOAT);
    }
    if (array.ordering() != 'c' || array.isView()) {
      array = array.dup('c');
    }
    long[] ls = array.shape();
    int[] s = new int[ls.length];
    for (int d = 0; d < ls.length; d++) {
      s[d] = Math.toIntExact(ls[d]);
    }
    Tensor t = new Tensor(array.reshape(array.length()), 0, s);
    t.nd = array;
    return t;
  }

  private static int checkedLength(int[] shape) {
    long n = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      n *= d;
      if (n > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException(
            "shape " + Arrays.toString(shape) + " has more than 2^31 elements");
      }
    }
    return (int) n;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Tensor").append(Arrays.toString(shape)).append(" [");
    int n = Math.min(length, 8);
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(data.get(i));
    }
    if (length > n) {
      sb.append(", ...");
    }
    return sb.append(']').toString();
  }
}
