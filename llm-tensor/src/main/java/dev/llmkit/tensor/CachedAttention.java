package dev.llmkit.tensor;

/**
 * The one attention entry point of a decoder against its {@link KvCache}: causal self-attention of a
 * chunk of T query rows at positions pos..pos+T-1 over cached positions 0..pos+T-1. It writes the
 * chunk's keys and values into the cache, then picks the kernel:
 *
 * <ul>
 *   <li>one row, no attention maps: {@link DecodeAttention}, reading the cache in place;
 *   <li>otherwise the general kernel {@link Attention#forward} when its Vector API path is on
 *       (measured faster than the sgemm composition once warm: ~16 vs ~22 ms per layer at T = 512),
 *       else {@link PrefillAttention} (~20 ms against ~80-110 ms for the general kernel's scalar
 *       fallback). Both run on the chunk's own k and v when the session was empty, else on a
 *       row-major copy of the cache.
 * </ul>
 *
 * <p>Holds a session's attention scratch (grown on demand); not thread-safe.
 */
public final class CachedAttention {

  /** Whether chunks (T > 1) use the general kernel rather than {@link PrefillAttention}. */
  static final boolean GENERAL_KERNEL = Simd.enabled();

  private final int nHeads;
  private final int nKvHeads;
  private final DecodeAttention decode;
  private final PrefillAttention prefill;
  private final int kvDim;
  private Tensor keys;
  private Tensor values;

  /** Scratch for attention of nHeads query heads over nKvHeads key/value heads of headDim. */
  public CachedAttention(int nHeads, int nKvHeads, int headDim, int contextLength) {
    this.nHeads = nHeads;
    this.nKvHeads = nKvHeads;
    this.decode = new DecodeAttention(nHeads, nKvHeads, headDim, contextLength);
    this.prefill = new PrefillAttention(nHeads, nKvHeads, headDim);
    this.kvDim = nKvHeads * headDim;
  }

  /**
   * Writes k and v as layer {@code layer}'s positions pos..pos+T-1, then attends q to positions
   * 0..pos+T-1 with the causal mask.
   *
   * <p>q: (T, nHeads*hd), k, v: (T, nKvHeads*hd) -> out: (T, nHeads*hd); probs: (nHeads, T, pos+T)
   * attention weights to fill, or null. The cache must have room for pos+T positions.
   */
  public void forward(
      KvCache cache, int layer, int pos, Tensor q, Tensor k, Tensor v, Tensor out, Tensor probs) {
    int t = q.dim(0);
    cache.write(layer, pos, k, v, t);
    if (t == 1 && probs == null) {
      // decode: q: (1, qDim) over the cache in place -> out: (1, qDim)
      decode.forward(q, cache.keysT(layer), cache.values(layer), cache.capacity(), pos + 1, out);
      return;
    }
    // q: (T, qDim), k, v: (pos+T, kvDim) -> out: (T, qDim)
    Tensor kAll = pos > 0 ? cachedRows(cache, layer, pos + t) : k;
    Tensor vAll = pos > 0 ? values : v;
    if (GENERAL_KERNEL) {
      Attention.forward(q, kAll, vAll, nHeads, nKvHeads, AttentionMask.CAUSAL, pos + t, pos, out, probs);
    } else {
      prefill.forward(q, kAll, vAll, pos + t, pos, out, probs);
    }
  }

  /**
   * As {@link #forward(KvCache, int, int, Tensor, Tensor, Tensor, Tensor, Tensor)} under an
   * attention variant (score scale, soft cap, sliding window): a standard variant takes the fast
   * kernels, any other {@link VariantAttention}: one decoding row reads only the window's keys of
   * the cache in place; a chunk runs over a row-major copy of the cache.
   */
  public void forward(KvCache cache, int layer, int pos, Tensor q, Tensor k, Tensor v, Tensor out,
      Tensor probs, AttentionVariant variant) {
    if (variant.isStandard()) {
      forward(cache, layer, pos, q, k, v, out, probs);
      return;
    }
    int t = q.dim(0);
    cache.write(layer, pos, k, v, t);
    if (t == 1 && probs == null) {
      // decode: q: (1, qDim) over the window's cached keys in place -> out: (1, qDim)
      VariantAttention.decode(q, cache.keysT(layer), cache.values(layer), cache.capacity(), pos + 1,
          nHeads, nKvHeads, variant, out);
      return;
    }
    Tensor kAll = pos > 0 ? cachedRows(cache, layer, pos + t) : k;
    Tensor vAll = pos > 0 ? values : v;
    // q: (T, qDim), k, v: (pos+T, kvDim) -> out: (T, qDim); keys beyond the window are masked
    VariantAttention.forward(
        q, kAll, vAll, nHeads, nKvHeads, AttentionMask.CAUSAL, variant, pos + t, pos, out, probs);
  }

  /** Layer l's positions 0..length-1 copied row-major into keys (returned) and values. */
  private Tensor cachedRows(KvCache cache, int layer, int length) {
    grow(length);
    cache.copyTo(layer, length, keys, values);
    return keys;
  }

  private void grow(int length) {
    if (keys == null || keys.dim(0) < length) {
      int rows = Integer.highestOneBit(Math.max(length - 1, 1)) << 1;
      keys = Tensor.zeros(rows, kvDim);
      values = Tensor.zeros(rows, kvDim);
    }
  }
}
