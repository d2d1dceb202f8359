package dev.llmkit.tensor;

import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the SIMD kernels (Java Vector API, {@code jdk.incubator.vector}) are in use.
 *
 * <p>They are used when all of these hold: the module is in the boot layer (the JVM was started
 * with {@code --add-modules jdk.incubator.vector}); the system property {@code llmkit.simd} is not
 * {@code false}; the implementation class loads and passes a self-check on this JVM (the incubator
 * API may change between JDK releases; any linkage failure falls back cleanly). Otherwise the kernels use BLAS or plain Java,
 * with the same results up to float rounding. No user needs a JVM flag. The vector width is 256
 * bits where the machine has them (see {@code VectorKernels} for why not 512); the system property
 * {@code llmkit.simd.bits} (128, 256 or 512, within the machine's width) sets it, for comparing
 * widths on one machine.
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

  /** The SIMD kernels when in use, else the plain Java ones. */
  static SimdKernels kernelsOrScalar() {
    return KERNELS != null ? KERNELS : ScalarKernels.INSTANCE;
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

  /** Runs each kernel once on small inputs and compares with {@link ScalarKernels}. */
  private static void selfCheck(SimdKernels k) {
    SimdKernels ref = ScalarKernels.INSTANCE;
    int hd = 37;
    int n = 45;
    int stride = SimdKernels.PAD;
    float[] q = new float[4 * hd];
    float[] kt = new float[hd * stride];
    for (int i = 0; i < q.length; i++) {
      q[i] = (i % 7) - 3;
    }
    for (int i = 0; i < kt.length; i++) {
      kt[i] = (i % 5) - 2;
    }
    float[] s1 = new float[4 * stride];
    float[] s2 = new float[4 * stride];
    k.scores4(q, 0, hd, 2 * hd, 3 * hd, kt, 0, stride, hd, 1f, s1, stride, n);
    ref.scores4(q, 0, hd, 2 * hd, 3 * hd, kt, 0, stride, hd, 1f, s2, stride, n);
    float[] o1 = new float[4 * hd];
    float[] o2 = new float[4 * hd];
    k.weightedSum(s1, 0, stride, 3, n, kt, 0, 1, hd, o1, 0, hd, 2 * hd, 3 * hd);
    ref.weightedSum(s2, 0, stride, 3, n, kt, 0, 1, hd, o2, 0, hd, 2 * hd, 3 * hd);
    for (int r = 0; r < 4; r++) {
      for (int j = 0; j < n; j++) { // small integers: exact in any order
        if (s1[r * stride + j] != s2[r * stride + j]) {
          throw new IllegalStateException("scores self-check failed at " + r + "," + j);
        }
      }
    }
    for (int i = 0; i < 3 * hd; i++) {
      if (o1[i] != o2[i]) {
        throw new IllegalStateException("weightedSum self-check failed at " + i);
      }
    }
    float[] y1 = new float[7];
    float[] y2 = new float[7];
    k.matvec(kt, hd, q, y1, 0, 7); // small integers: exact in any order
    ref.matvec(kt, hd, q, y2, 0, 7);
    if (!java.util.Arrays.equals(y1, y2)) {
      throw new IllegalStateException("matvec self-check failed");
    }
    float[] e = {0f, -1f, Float.NEGATIVE_INFINITY, 1f};
    float[] x = new float[40];
    for (int i = 0; i < x.length; i++) {
      x[i] = e[i % 4];
    }
    float sum = k.expAndSum(x, 0, x.length, 1f);
    if (x[2] != 0f || Math.abs(x[3] - 1f) > 1e-6f || Math.abs(sum - 10 * (1 + Math.exp(-1) + Math.exp(-2))) > 1e-4) {
      throw new IllegalStateException("exp self-check failed");
    }
  }
}
