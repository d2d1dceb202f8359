package dev.llmkit.training.spark;

import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.Tensor;
import java.util.List;
import java.util.Objects;

/**
 * Averages gradients across replicas with an all-gather of String messages, the collective Spark's
 * barrier mode offers ({@code BarrierTaskContext.allGather}). Once per optimiser step, each replica
 * flattens its gradients (in the canonical order of {@link ModelWeights#named()}) into buckets of at
 * most {@code bucketValues} values, sends each bucket as one message ({@link GradientCodec}) and
 * receives every replica's bucket; it then sums them in rank order and divides by the number of
 * replicas. Every replica sums the same messages in the same order, so all of them get bit-for-bit
 * the same mean (in bf16 a replica's own gradient is rounded too), apply the same AdamW update and
 * stay identical.
 *
 * <p>Per step and replica this sends {@code 4 + P * bytesPerValue} bytes per bucket, Base64
 * encoded (4/3 of that), and receives N times as much; see docs/distributed-training.md.
 */
public final class AllGatherReducer extends MeasuredReducer {

  /** An all-gather: every replica calls it with its message and gets all messages by rank. */
  @FunctionalInterface
  public interface AllGather {
    /** Sends {@code message}; returns the messages of ranks 0..N-1. */
    String[] allGather(String message);
  }

  /** Default bucket size: 1M values (4 MB of float32, 5.3 MB as Base64). */
  public static final int DEFAULT_BUCKET_VALUES = 1 << 20;

  private final AllGather collective;
  private final int worldSize;
  private final GradientCodec codec;
  private final GradientPrecision precision;
  private final int bucketValues;
  private float[] flat = new float[0];
  private float[] sum = new float[0];

  /**
   * A reducer over {@code worldSize} replicas.
   *
   * @param bucketValues values per message ({@code >= 1})
   */
  public AllGatherReducer(AllGather collective, int worldSize, GradientPrecision precision,
      int bucketValues) {
    this.collective = Objects.requireNonNull(collective, "collective");
    this.precision = Objects.requireNonNull(precision, "precision");
    if (worldSize < 1) {
      throw new IllegalArgumentException("worldSize must be >= 1, got " + worldSize);
    }
    if (bucketValues < 1) {
      throw new IllegalArgumentException("bucketValues must be >= 1, got " + bucketValues);
    }
    this.worldSize = worldSize;
    this.bucketValues = bucketValues;
    this.codec = new GradientCodec(precision);
  }

  @Override
  protected float reduce(ModelWeights gradients, float loss) {
    List<Tensor> tensors = FlatGradients.tensors(gradients);
    int total = FlatGradients.length(tensors);
    if (flat.length != total) {
      flat = new float[total];
      sum = new float[total];
    }
    FlatGradients.flatten(tensors, flat);
    double lossSum = 0;
    for (int off = 0; off < total || off == 0; off += bucketValues) {
      int n = Math.min(bucketValues, total - off);
      String message = codec.encode(loss, flat, off, n);
      sent(message.length());
      String[] all = collective.allGather(message);
      if (all.length != worldSize) {
        throw new IllegalStateException(
            "all-gather returned " + all.length + " messages for " + worldSize + " replicas");
      }
      double bucketLoss = 0;
      for (int r = 0; r < worldSize; r++) {
        bucketLoss += codec.decodeAdd(all[r], r, sum, off, n, r == 0);
      }
      if (off == 0) {
        lossSum = bucketLoss;
      }
      if (total == 0) {
        break;
      }
    }
    FlatGradients.writeMean(tensors, sum, worldSize);
    return (float) (lossSum / worldSize);
  }

  /** Number of replicas. */
  public int worldSize() {
    return worldSize;
  }

  /** The wire precision. */
  public GradientPrecision precision() {
    return precision;
  }
}
