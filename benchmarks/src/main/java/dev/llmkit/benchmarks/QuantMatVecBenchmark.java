package dev.llmkit.benchmarks;

import dev.llmkit.tensor.HeapMatrix;
import dev.llmkit.tensor.Matmul;
import dev.llmkit.tensor.kernel.Parallel;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tensor.quant.QuantType;
import dev.llmkit.tensor.quant.QuantizedMatrix;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Quantized weight matrices ({@link QuantizedMatrix}) against the F32 heap copy ({@link HeapMatrix},
 * what F32 decoding uses) in the same run, on GPT-2 124M's shapes, {@code W (N, K)} = rows × cols:
 * the fused qkv (2304×768), MLP up (3072×768) and down (768×3072), and the tied LM head
 * (50257×768).
 *
 * <ul>
 *   <li>{@code decode}: one row, {@code y (N) = W·x}; {@code type = F32} is {@code HeapMatrix.linear}.
 *   <li>{@code decodeQ8IntDot} (type Q8_0 only): the other design, as llama.cpp does it: x
 *       quantized to Q8_0 blocks per call, then int8·int8 dot products widened to 16 and 32 bits
 *       with the Vector API (512-bit), one float fma per block. Written here, not in the library,
 *       because it lost (benchmarks/README.md).
 *   <li>{@code prefill}: 128 rows, {@code y (128, N) = x·Wᵀ}; F32 is {@code Matmul.linear} (sgemm
 *       on the tensor), quantized types dequantize tiles of at most 256 rows into a scratch for sgemm.
 * </ul>
 *
 * <p>Forked with {@code --add-modules jdk.incubator.vector}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class QuantMatVecBenchmark {

  /** W as {@code NxK} (rows x cols). */
  @Param({"2304x768", "3072x768", "768x3072", "50257x768"})
  public String shape;

  /** F32 or a {@link QuantType} name. */
  @Param({"F32", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
  public String type;

  /** Rows of x in {@link #prefill}. */
  static final int PREFILL_ROWS = 128;

  private Tensor w;
  private Tensor x;
  private Tensor y;
  private Tensor xs;
  private Tensor ys;
  private HeapMatrix heap;
  private QuantizedMatrix quant;
  private int n;
  private int k;
  private byte[] q8;
  private byte[] xq;
  private float[] xd;
  private float[] xf;
  private float[] yf;

  /** Random weights (std 0.02, as GPT-2's) and inputs, the same for every contender. */
  @Setup
  public void setup() {
    String[] p = shape.split("x");
    n = Integer.parseInt(p[0].trim());
    k = Integer.parseInt(p[1].trim());
    w = Tensor.randn(1, 0.02f, n, k);
    x = Tensor.randn(2, 1f, 1, k);
    y = Tensor.zeros(1, n);
    xs = Tensor.randn(3, 1f, PREFILL_ROWS, k);
    ys = Tensor.zeros(PREFILL_ROWS, n);
    if (type.equals("F32")) {
      heap = HeapMatrix.copyOf(w);
    } else {
      quant = QuantizedMatrix.quantize(w, QuantType.valueOf(type));
      if (type.equals("Q8_0")) {
        q8 = new byte[(int) quant.bytes()];
        int rb = (int) QuantType.Q8_0.bytes(1, k);
        for (int r = 0; r < n; r++) {
          System.arraycopy(quant.rowBytes(r), 0, q8, r * rb, rb);
        }
        xq = new byte[k];
        xd = new float[k / 32];
        xf = x.toArray();
        yf = new float[n];
      }
    }
    w = type.equals("F32") ? w : null; // the quantized contenders hold no F32 copy
  }

  /** One row: the decode product. */
  @Benchmark
  public Tensor decode() {
    if (heap != null) {
      heap.linear(x, null, y);
    } else {
      quant.linear(x, null, y);
    }
    return y;
  }

  /** 128 rows: the prefill product. */
  @Benchmark
  public Tensor prefill() {
    if (heap != null) {
      Matmul.linear(xs, w, null, ys);
    } else {
      quant.linear(xs, null, ys);
    }
    return ys;
  }

  /** Design A for Q8_0: x quantized to 8 bits per block, integer dot products. */
  @Benchmark
  public float[] decodeQ8IntDot() {
    if (q8 == null) {
      return null;
    }
    // x: (K) -> xq: int8 (K), xd: (K/32) scales, as quantize_row_q8_0
    for (int b = 0; b < k; b += 32) {
      float amax = 0f;
      for (int j = 0; j < 32; j++) {
        amax = Math.max(amax, Math.abs(xf[b + j]));
      }
      float d = amax / 127f;
      float id = d != 0f ? 1f / d : 0f;
      xd[b / 32] = d;
      for (int j = 0; j < 32; j++) {
        xq[b + j] = (byte) Math.round(xf[b + j] * id);
      }
    }
    int rb = (int) QuantType.Q8_0.bytes(1, k);
    Parallel.forBlocks(n, k, 4, (r0, r1) -> {
      for (int r = r0; r < r1; r++) {
        yf[r] = intDotRow(q8, r * rb, xq, xd, k);
      }
    });
    return yf;
  }

  private static float intDotRow(byte[] w, int off, byte[] xq, float[] xd, int k) {
    FloatVector t = FloatVector.zero(FloatVector.SPECIES_512);
    for (int b = 0; b < k; b += 32, off += 34) {
      ByteVector wv = ByteVector.fromArray(ByteVector.SPECIES_256, w, off + 2);
      ByteVector xv = ByteVector.fromArray(ByteVector.SPECIES_256, xq, b);
      ShortVector p = ((ShortVector) wv.convertShape(VectorOperators.B2S, ShortVector.SPECIES_512, 0))
          .mul((ShortVector) xv.convertShape(VectorOperators.B2S, ShortVector.SPECIES_512, 0));
      IntVector s = ((IntVector) p.convertShape(VectorOperators.S2I, IntVector.SPECIES_512, 0))
          .add((IntVector) p.convertShape(VectorOperators.S2I, IntVector.SPECIES_512, 1));
      float d = halfToFloat((w[off] & 0xff) | (w[off + 1] & 0xff) << 8) * xd[b / 32];
      t = ((FloatVector) s.convertShape(VectorOperators.I2F, FloatVector.SPECIES_512, 0))
          .fma(FloatVector.broadcast(FloatVector.SPECIES_512, d), t);
    }
    return t.reduceLanes(VectorOperators.ADD);
  }

  private static float halfToFloat(int h) {
    int e = (h >>> 10) & 0x1f;
    float m = (h & 0x3ff);
    float v = e == 0 ? m * 0x1p-24f : (1024 + m) * (float) Math.scalb(1.0, e - 25);
    return (h & 0x8000) != 0 ? -v : v;
  }
}
