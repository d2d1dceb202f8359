package dev.llmkit.model.io.llama2c;

import dev.llmkit.model.io.Mutants;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutants of a llama2.c checkpoint against an independent oracle: the header's seven sizes
 * are plausible and consistent, and the file length is exactly what they imply (run.c's layout).
 */
class Llama2cFuzzTest {

  @TempDir Path tmp;

  @Test
  @Timeout(60)
  void mutantsAreRejectedExactlyWhenStructurallyInvalid() throws Exception {
    int[] h = {8, 16, 2, 2, 1, 10, 4}; // dim, hidden, layers, heads, kv heads, vocab, seq_len
    long bytes = implied(h);
    ByteBuffer b = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (int v : h) {
      b.putInt(v);
    }
    SplittableRandom fill = new SplittableRandom(1);
    while (b.remaining() >= 4) {
      b.putFloat((float) fill.nextGaussian() * 0.1f);
    }
    byte[] base = b.array();
    Mutants.run("llama2.c", base, Llama2cCheckpoint.HEADER_BYTES, 2000, tmp, ".bin",
        Llama2cFuzzTest::valid, Llama2cCheckpoint::load).check();
  }

  /** Bytes the header implies (run.c's memory_map_weights), or -1 when it is implausible. */
  static long implied(int[] h) {
    int dim = h[0];
    int hidden = h[1];
    int layers = h[2];
    int heads = h[3];
    int kvHeads = h[4];
    int vocab = Math.abs(h[5]);
    int seq = h[6];
    for (int i = 0; i < 7; i++) {
      int x = i == 5 ? Math.abs(h[i]) : h[i];
      if (x <= 0 || x > (i == 5 ? 1 << 24 : 1 << 20)) {
        return -1;
      }
    }
    if (dim % heads != 0 || heads % kvHeads != 0 || (dim / heads) % 2 != 0) {
      return -1;
    }
    BigInteger c = BigInteger.valueOf(dim);
    BigInteger l = BigInteger.valueOf(layers);
    BigInteger kv = BigInteger.valueOf((long) dim / heads * kvHeads);
    BigInteger v = BigInteger.valueOf(vocab);
    BigInteger hd = BigInteger.valueOf(hidden);
    BigInteger floats = v.multiply(c)
        .add(l.multiply(c).multiply(BigInteger.TWO)) // rms_att, rms_ffn
        .add(l.multiply(c).multiply(c).multiply(BigInteger.TWO)) // wq, wo
        .add(l.multiply(kv).multiply(c).multiply(BigInteger.TWO)) // wk, wv
        .add(l.multiply(hd).multiply(c).multiply(BigInteger.valueOf(3))) // w1, w2, w3
        .add(c) // rms_final
        .add(BigInteger.valueOf(seq).multiply(BigInteger.valueOf(dim / heads))) // freq_cis
        .add(h[5] < 0 ? v.multiply(c) : BigInteger.ZERO); // wcls when untied
    BigInteger total = floats.multiply(BigInteger.valueOf(4)).add(BigInteger.valueOf(28));
    return total.bitLength() > 62 ? -1 : total.longValue();
  }

  static boolean valid(byte[] m) {
    if (m.length < 28) {
      return false;
    }
    ByteBuffer b = ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN);
    int[] h = new int[7];
    for (int i = 0; i < 7; i++) {
      h[i] = b.getInt(4 * i);
    }
    if (h[5] == Integer.MIN_VALUE) {
      return false;
    }
    long want = implied(h);
    return want >= 0 && want == m.length;
  }
}
