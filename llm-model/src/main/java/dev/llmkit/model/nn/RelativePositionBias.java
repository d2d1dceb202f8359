package dev.llmkit.model.nn;

import dev.llmkit.tensor.Tensor;
import java.nio.FloatBuffer;
import java.util.Objects;

/**
 * T5's relative position bias (Raffel et al. 2020, after Shaw et al. 2018): positions enter attention
 * as a learned scalar per head added to the score of query position i and key position j, looked up
 * by the bucket of the relative position {@code j − i}. Buckets are exact for small distances and
 * log-spaced up to {@code maxDistance} (beyond it all share the last one); bidirectional (an encoder)
 * spends half the buckets on each sign, causal (a decoder) only on keys before the query. The bias
 * is computed once per stack and shared by all its layers.
 *
 * <p>It is the position scheme of such a model: the other {@link Positions} hooks stay no-ops (no
 * table added to the embeddings, no rotation); this one gives attention its score bias
 * ({@link #forward}) and takes its gradient back ({@link #backward}). Immutable; thread-safe.
 *
 * <p>Shapes: table (numBuckets, nHeads); bias and its gradient (nHeads, T, S).
 */
public final class RelativePositionBias implements Positions {

  private final Tensor table;
  private final boolean bidirectional;
  private final int numBuckets;
  private final int maxDistance;

  /**
   * @param table (numBuckets, nHeads) learned bias per bucket and head
   *     ({@code relative_attention_bias.weight})
   * @param bidirectional true for an encoder (keys on both sides), false for a decoder
   * @param maxDistance distances from here on share the last bucket
   *     ({@code relative_attention_max_distance})
   */
  public RelativePositionBias(Tensor table, boolean bidirectional, int maxDistance) {
    this.table = Objects.requireNonNull(table, "table");
    if (table.rank() != 2) {
      throw new IllegalArgumentException(
          "RelativePositionBias: table " + table.shapeString() + " is not (numBuckets, nHeads)");
    }
    this.numBuckets = table.dim(0);
    int half = bidirectional ? numBuckets / 2 : numBuckets;
    if (half < 2 || (bidirectional && numBuckets % 2 != 0)) {
      throw new IllegalArgumentException("RelativePositionBias: " + numBuckets + " buckets are too few"
          + (bidirectional ? " (a bidirectional bias needs an even number >= 4)" : " (at least 2)"));
    }
    if (maxDistance <= half / 2) {
      throw new IllegalArgumentException("RelativePositionBias: maxDistance " + maxDistance
          + " must exceed the exact range " + half / 2);
    }
    this.bidirectional = bidirectional;
    this.maxDistance = maxDistance;
  }

  /** (numBuckets, nHeads) the learned table (trained; its gradient is {@link #backward}'s dTable). */
  public Tensor biasTable() {
    return table;
  }

  /** Number of heads. */
  public int heads() {
    return table.dim(1);
  }

  /** True for an encoder's bias. */
  public boolean bidirectional() {
    return bidirectional;
  }

  /**
   * The bucket of a relative position {@code j − i}, as {@code _relative_position_bucket} of Hugging
   * Face's modeling_t5.py computes it (in float32, so the log-spaced boundaries fall where it puts
   * them).
   */
  public static int bucket(int relativePosition, boolean bidirectional, int numBuckets, int maxDistance) {
    int buckets = numBuckets;
    int result = 0;
    int n;
    if (bidirectional) {
      buckets /= 2;
      if (relativePosition > 0) {
        result += buckets;
      }
      n = Math.abs(relativePosition);
    } else {
      n = Math.max(-relativePosition, 0);
    }
    int maxExact = buckets / 2;
    if (n < maxExact) {
      return result + n;
    }
    float ratio = (float) n / (float) maxExact;
    float log = (float) Math.log(ratio);
    float denom = (float) Math.log((double) maxDistance / maxExact);
    float scaled = log / denom * (float) (buckets - maxExact);
    int large = maxExact + (int) scaled;
    return result + Math.min(large, buckets - 1);
  }

  /** The bucket of relative position {@code j − i} under this bias's settings. */
  public int bucket(int relativePosition) {
    return bucket(relativePosition, bidirectional, numBuckets, maxDistance);
  }

  /**
   * Forward: bias[h, i, j] = table[bucket(j − (queryStart + i)), h] for T queries at positions
   * queryStart.. and keys 0..S-1.
   *
   * <p>-> bias: (nHeads, T, S), overwritten.
   */
  public void forward(int queryStart, Tensor bias) {
    int h = heads();
    checkBias(bias);
    int t = bias.dim(1);
    int s = bias.dim(2);
    FloatBuffer tb = table.buffer();
    FloatBuffer bb = bias.buffer();
    for (int i = 0; i < t; i++) {
      for (int j = 0; j < s; j++) {
        int b = bucket(j - (queryStart + i));
        for (int head = 0; head < h; head++) {
          bb.put((head * t + i) * s + j, tb.get(b * h + head));
        }
      }
    }
  }

  /**
   * Backward of {@link #forward}: dTable[bucket(j − (queryStart+i)), h] += dBias[h, i, j].
   *
   * @param dBias (nHeads, T, S)
   * @param dTable (numBuckets, nHeads), added into
   */
  public void backward(int queryStart, Tensor dBias, Tensor dTable) {
    int h = heads();
    checkBias(dBias);
    if (!dTable.sameShape(table)) {
      throw new IllegalArgumentException("RelativePositionBias.backward: dTable " + dTable.shapeString()
          + " must have the table's shape " + table.shapeString());
    }
    int t = dBias.dim(1);
    int s = dBias.dim(2);
    FloatBuffer gb = dBias.buffer();
    FloatBuffer db = dTable.buffer();
    for (int i = 0; i < t; i++) {
      for (int j = 0; j < s; j++) {
        int b = bucket(j - (queryStart + i));
        for (int head = 0; head < h; head++) {
          int o = b * h + head;
          db.put(o, db.get(o) + gb.get((head * t + i) * s + j));
        }
      }
    }
  }

  private void checkBias(Tensor bias) {
    if (bias.rank() != 3 || bias.dim(0) != heads()) {
      throw new IllegalArgumentException("RelativePositionBias: bias " + bias.shapeString()
          + " is not (nHeads = " + heads() + ", T, S)");
    }
  }
}
