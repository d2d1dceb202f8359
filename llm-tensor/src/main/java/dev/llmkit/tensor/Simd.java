package dev.llmkit.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the SIMD kernels (Java Vector API, {@code jdk.incubator.vector}) are in use.
 *
 * <p>They are used when all of these hold: the module is in the boot layer (the JVM was started
 * with {@code --add-modules jdk.incubator.vector}); the system property {@code llmkit.simd} is not
 * {@code false}; the implementation class loads and passes a self-check on this JVM (the incubator
 * API changes between JDK releases: {@code FloatVector.fromByteBuffer}, for one, is gone in JDK 22+,
 * and any such linkage failure falls back cleanly). Otherwise the kernels use BLAS or plain Java,
 * with the same results up to float rounding. No user needs a JVM flag.
 */
public final class Simd {

  private static final Logger LOG = LoggerFactory.getLogger(Simd.class);
  private static final String IMPL = "dev.llmkit.tensor.VectorKernels";

  private static final SimdKernels KERNELS = load();
  private static String reason;

  private Simd() {}

  /** True when the Vector API kernels are in use. */
  public static boolean enabled() {
    return KERNELS != null;
  }

  /** A short description of the SIMD state, e.g. {@code "Vector API, 512-bit"} or why it is off. */
  public static String description() {
    return KERNELS != null ? KERNELS.toString() : "off: " + reason;
  }

  /** The SIMD kernels, or null when they are not in use. */
  static SimdKernels kernels() {
    return KERNELS;
  }

  private static SimdKernels load() {
    if (!Boolean.parseBoolean(System.getProperty("llmkit.simd", "true"))) {
      reason = "disabled by -Dllmkit.simd=false";
      return null;
    }
    Optional<Module> module = ModuleLayer.boot().findModule("jdk.incubator.vector");
    if (module.isEmpty()) {
      reason = "module jdk.incubator.vector not present (add --add-modules jdk.incubator.vector)";
      return null;
    }
    try {
      SimdKernels k = (SimdKernels) Class.forName(IMPL).getDeclaredConstructor().newInstance();
      selfCheck(k);
      LOG.debug("SIMD kernels in use: {}", k);
      return k;
    } catch (Throwable t) { // LinkageError on a JDK whose incubator API differs, or a wrong result
      reason = "Vector API unusable on this JDK (" + t + ")";
      LOG.debug("SIMD kernels off: {}", reason);
      return null;
    }
  }

  /** Runs each kernel once on a small input with a known answer. */
  private static void selfCheck(SimdKernels k) {
    int n = 37;
    int kk = 41;
    float[] w = new float[n * kk];
    float[] x = new float[kk];
    for (int i = 0; i < w.length; i++) {
      w[i] = (i % 7) - 3;
    }
    for (int i = 0; i < kk; i++) {
      x[i] = (i % 5) - 2;
    }
    ByteBuffer wb = ByteBuffer.allocateDirect(w.length * 4).order(ByteOrder.nativeOrder());
    wb.asFloatBuffer().put(w);
    FloatBuffer out = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
    k.matvecRows(wb, kk, x, out, 0, n);
    for (int r = 0; r < n; r++) {
      float s = 0;
      for (int i = 0; i < kk; i++) {
        s += w[r * kk + i] * x[i];
      }
      if (s != out.get(r)) { // small integers: exact in any order
        throw new IllegalStateException("matvec self-check failed at row " + r);
      }
    }
    float d = k.dot(w, 3, x, 0, kk);
    float e = 0;
    for (int i = 0; i < kk; i++) {
      e += w[3 + i] * x[i];
    }
    float[] y = new float[kk];
    k.axpy(2f, x, 0, y, 0, kk);
    if (d != e || y[kk - 1] != 2f * x[kk - 1]) {
      throw new IllegalStateException("dot/axpy self-check failed");
    }
  }
}
