package dev.llmkit.model.transformer;

import dev.llmkit.model.weights.LayerWeights;

/**
 * The linear layers of one transformer block (shapes as in {@link LayerWeights}); {@code w3} is null
 * unless the feed-forward network is gated.
 */
record LayerLinears(Linear wq, Linear wk, Linear wv, Linear wo, Linear w1, Linear w3, Linear w2) {

  static LayerLinears of(LayerWeights w, boolean copy) {
    return new LayerLinears(
        Linear.of(w.wq(), w.bq(), copy),
        Linear.of(w.wk(), w.bk(), copy),
        Linear.of(w.wv(), w.bv(), copy),
        Linear.of(w.wo(), w.bo(), copy),
        Linear.of(w.w1(), w.b1(), copy),
        Linear.of(w.w3(), null, copy),
        Linear.of(w.w2(), w.b2(), copy));
  }

  /** Bytes the heap copies of this block's matrices take. */
  static long copyBytes(LayerWeights w) {
    return Linear.copyBytes(w.wq()) + Linear.copyBytes(w.wk()) + Linear.copyBytes(w.wv())
        + Linear.copyBytes(w.wo()) + Linear.copyBytes(w.w1()) + Linear.copyBytes(w.w3())
        + Linear.copyBytes(w.w2());
  }
}
