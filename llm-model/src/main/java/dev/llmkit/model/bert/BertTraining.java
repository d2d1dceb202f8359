package dev.llmkit.model.bert;

import dev.llmkit.model.nn.Block;
import dev.llmkit.model.nn.Embeddings;
import dev.llmkit.model.nn.Gradients;
import dev.llmkit.model.nn.Linear;
import dev.llmkit.model.nn.Norm;
import dev.llmkit.tensor.AttentionMask;
import dev.llmkit.tensor.Elementwise;
import dev.llmkit.tensor.Embedding;
import dev.llmkit.tensor.Tensor;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Training of a {@link BertModel}: a batch of B sequences padded to T tokens runs through the
 * training states of the very layers inference uses (embeddings, post-norm {@link Block}s with
 * bidirectional attention under a padding mask, the heads), keeping what backward needs; backward
 * adds the gradient of every parameter into a {@link BertWeights} of gradients.
 *
 * <ul>
 *   <li>Masked LM: {@link #mlmForward} computes the head only at the predicted positions (rows of
 *       the padded batch), {@code LayerNorm(gelu(h·Tᵀ + t))·Eᵀ + b}, E the tied word embeddings;
 *       {@link #mlmBackward} takes the gradient of those logits.
 *   <li>Sequence classification: {@link #classifyForward} pools {@code tanh(h[CLS]·Wᵀ + b)} and
 *       applies the classifier; {@link #classifyBackward} stops at the pooled output when the
 *       encoder is frozen, else runs through the whole encoder.
 * </ul>
 *
 * <p>No dropout (the forward is deterministic, so that the finite-difference checks hold and
 * training equals inference). Padding rows never reach a loss: their keys are masked in every
 * attention, and their own outputs are never read, so they receive zero gradient. Not thread-safe;
 * one per (batch, block).
 */
public final class BertTraining {

  private final BertWeights weights;
  private final BertWeights grads;
  private final BertConfig c;
  private final int batch;
  private final int block;
  private final int rows;
  private final Gradients g;
  private final BertModel model;
  private final Embeddings.Training embeddings;
  private final Norm.Training embeddingNorm;
  private final Block.Training[] blocks;
  private final Tensor dTypes;
  private final int[] ids;
  private final int[] types;
  // kept: e = word + position + type (rows, C); xs[l] input of block l, xs[L] the output
  private final Tensor e;
  private final Tensor typeRows;
  private final Tensor[] xs;
  private final Tensor d1;
  private final Tensor d2;
  // masked-LM head over M <= rows selected rows (views of the first M rows)
  private final Linear.Training transform;
  private final Linear.Training decoder;
  private final Tensor sel;
  private final Tensor act;
  private final Tensor gelu;
  private final Tensor normed;
  private final Tensor dSel;
  private final Tensor dAct;
  private final Tensor dGelu;
  private final Tensor dNormed;
  private Norm.Training mlmNorm;
  private int[] selected;
  private Tensor mlmLogits;
  // classification head over the B [CLS] rows
  private final Linear.Training pooler;
  private final Linear.Training classifier;
  private final Tensor cls;
  private final Tensor pooled;
  private final Tensor classLogits;
  private final Tensor dCls;
  private final Tensor dPooled;

  /**
   * @param weights the parameters (trained in place by the caller's optimiser)
   * @param grads gradients of the same structure ({@link BertWeights#zerosLike()}), added into
   * @param batch sequences per step
   * @param block T, the padded length (at most the position table)
   */
  public BertTraining(BertWeights weights, BertWeights grads, int batch, int block) {
    this.weights = Objects.requireNonNull(weights, "weights");
    this.grads = Objects.requireNonNull(grads, "grads");
    this.c = weights.config();
    if (batch < 1 || block < 1 || block > c.maxPositions()) {
      throw new IllegalArgumentException("BertTraining: batch " + batch + " must be >= 1 and block "
          + block + " in 1.." + c.maxPositions() + " (max_position_embeddings)");
    }
    this.batch = batch;
    this.block = block;
    this.rows = batch * block;
    Map<String, Tensor> gn = grads.named();
    Map<Tensor, Tensor> byTensor = new IdentityHashMap<>();
    weights.named().forEach((n, p) -> {
      Tensor d = gn.get(n);
      if (d == null || !d.sameShape(p)) {
        throw new IllegalArgumentException("BertTraining: parameter " + n + " " + p.shapeString()
            + " has no gradient of its shape (got " + (d == null ? "none" : d.shapeString()) + ")");
      }
      byTensor.put(p, d);
    });
    this.g = p -> {
      if (p == null) {
        return null;
      }
      Tensor d = byTensor.get(p);
      if (d == null) {
        throw new IllegalArgumentException("BertTraining: no gradient for a parameter of shape "
            + p.shapeString());
      }
      return d;
    };
    this.model = new BertModel(weights);
    int d = c.hidden();
    this.embeddings = model.embeddings().training(batch, block, g);
    this.embeddingNorm = model.embeddingNorm().training(rows, g);
    this.blocks = new Block.Training[c.layers()];
    for (int l = 0; l < blocks.length; l++) {
      blocks[l] = model.block(l).training(batch, block, g);
    }
    this.dTypes = g.of(weights.tokenTypeEmbeddings());
    this.ids = new int[rows];
    this.types = new int[rows];
    this.e = Tensor.zeros(rows, d);
    this.typeRows = Tensor.zeros(rows, d);
    this.xs = new Tensor[blocks.length + 1];
    for (int l = 0; l < xs.length; l++) {
      xs[l] = Tensor.zeros(rows, d);
    }
    this.d1 = Tensor.zeros(rows, d);
    this.d2 = Tensor.zeros(rows, d);
    boolean mlm = model.hasMlmHead();
    this.transform = mlm ? model.mlmTransform().training(g) : null;
    this.decoder = mlm ? model.mlmDecoder().training(g) : null;
    this.sel = mlm ? Tensor.zeros(rows, d) : null;
    this.act = mlm ? Tensor.zeros(rows, d) : null;
    this.gelu = mlm ? Tensor.zeros(rows, d) : null;
    this.normed = mlm ? Tensor.zeros(rows, d) : null;
    this.dSel = mlm ? Tensor.zeros(rows, d) : null;
    this.dAct = mlm ? Tensor.zeros(rows, d) : null;
    this.dGelu = mlm ? Tensor.zeros(rows, d) : null;
    this.dNormed = mlm ? Tensor.zeros(rows, d) : null;
    boolean classify = model.hasClassifier() && model.hasPooler();
    this.pooler = classify ? model.poolerLayer().training(g) : null;
    this.classifier = classify ? model.classifierLayer().training(g) : null;
    int k = classify ? weights.classifier().weight().dim(0) : 0;
    this.cls = classify ? Tensor.zeros(batch, d) : null;
    this.pooled = classify ? Tensor.zeros(batch, d) : null;
    this.classLogits = classify ? Tensor.zeros(batch, k) : null;
    this.dCls = classify ? Tensor.zeros(batch, d) : null;
    this.dPooled = classify ? Tensor.zeros(batch, d) : null;
  }

  /** The parameters. */
  public BertWeights weights() {
    return weights;
  }

  /** The gradients the backward passes add into. */
  public BertWeights gradients() {
    return grads;
  }

  /** B, sequences per batch. */
  public int batch() {
    return batch;
  }

  /** T, the padded length. */
  public int block() {
    return block;
  }

  /**
   * The encoder's training forward.
   *
   * @param input B*T ids, row-major (b, t); positions at or after a sequence's length are padding
   * @param typeIds B*T token-type ids, or null for all 0
   * @param lengths the real length of each sequence, 1..T
   * @return (B*T, C) the last hidden states, a buffer reused by the next forward
   * @throws IllegalArgumentException naming the sequence and token of a bad id, type id or length
   */
  public Tensor encode(int[] input, int[] typeIds, int[] lengths) {
    check(input, typeIds, lengths);
    System.arraycopy(input, 0, ids, 0, rows);
    if (typeIds == null) {
      Arrays.fill(types, 0);
    } else {
      System.arraycopy(typeIds, 0, types, 0, rows);
    }
    AttentionMask[] masks = new AttentionMask[batch];
    for (int b = 0; b < batch; b++) {
      boolean[] valid = new boolean[block];
      Arrays.fill(valid, 0, lengths[b], true);
      masks[b] = lengths[b] == block ? AttentionMask.BIDIRECTIONAL : AttentionMask.padding(valid);
    }
    for (Block.Training bt : blocks) {
      bt.attention().masks(masks);
    }
    // ids: (B*T) -> e: (B*T, C) = word[id] + position[t] + type[tt] -> xs[0] = LayerNorm(e)
    embeddings.forward(ids, e);
    Embedding.gather(weights.tokenTypeEmbeddings(), types, 0, rows, typeRows);
    Elementwise.addInPlace(e, typeRows);
    embeddingNorm.forward(e, xs[0]);
    for (int l = 0; l < blocks.length; l++) {
      // xs[l]: (B*T, C) -> xs[l+1]: (B*T, C)
      blocks[l].forward(xs[l], xs[l + 1]);
    }
    return xs[blocks.length];
  }

  /** dh: (B*T, C), the gradient of the encoder output (d1 or d2) -> every encoder parameter. */
  private void encoderBackward(Tensor dh) {
    Tensor grad = dh;
    for (int l = blocks.length - 1; l >= 0; l--) {
      Tensor into = grad == d1 ? d2 : d1;
      into.fill(0f);
      blocks[l].backward(xs[l], grad, into);
      grad = into;
    }
    Tensor de = grad == d1 ? d2 : d1;
    de.fill(0f);
    embeddingNorm.backward(e, grad, de);
    embeddings.backward(ids, de);
    Embedding.scatterAddBackward(de, types, 0, rows, dTypes);
  }

  /**
   * Masked-LM forward: the encoder, then the head at the given rows only.
   *
   * @param input B*T ids (with the masked positions already replaced)
   * @param typeIds B*T token-type ids, or null
   * @param lengths real lengths, 1..T
   * @param positions M >= 1 distinct row indices {@code b*T + t} ({@code t < lengths[b]}) to predict
   * @return (M, V) logits, a view reused by the next forward
   * @throws IllegalStateException when the model has no masked-LM head
   */
  public Tensor mlmForward(int[] input, int[] typeIds, int[] lengths, int[] positions) {
    if (transform == null) {
      throw new IllegalStateException("BertTraining: the model has no masked-LM head (cls.predictions)");
    }
    int m = positions == null ? 0 : positions.length;
    if (m < 1 || m > rows) {
      throw new IllegalArgumentException("BertTraining.mlmForward: " + m
          + " positions, expected 1.." + rows);
    }
    Tensor h = encode(input, typeIds, lengths);
    for (int i = 0; i < m; i++) {
      int r = positions[i];
      if (r < 0 || r >= rows || r % block >= lengths[r / block]) {
        throw new IllegalArgumentException("BertTraining.mlmForward: position " + r
            + " is not a real token of the batch (rows 0.." + (rows - 1) + ", lengths "
            + Arrays.toString(lengths) + ")");
      }
    }
    selected = positions.clone();
    int d = c.hidden();
    // h: (B*T, C) -> sel: (M, C) -> act = sel·Tᵀ + t -> gelu -> LayerNorm -> logits: (M, V)
    Tensor s = sel.slice(0, m);
    FloatBuffer hb = h.buffer();
    FloatBuffer sb = s.buffer();
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < d; j++) {
        sb.put(i * d + j, hb.get(selected[i] * d + j));
      }
    }
    transform.forward(s, act.slice(0, m));
    c.activation().forward(act.slice(0, m), null, gelu.slice(0, m));
    mlmNorm = model.mlmNorm().training(m, g);
    mlmNorm.forward(gelu.slice(0, m), normed.slice(0, m));
    mlmLogits = Tensor.zeros(m, c.vocabSize());
    decoder.forward(normed.slice(0, m), mlmLogits);
    return mlmLogits;
  }

  /**
   * Backward of the last {@link #mlmForward}: adds every parameter's gradient.
   *
   * @param dlogits (M, V) gradient of the loss with respect to the logits
   */
  public void mlmBackward(Tensor dlogits) {
    if (selected == null) {
      throw new IllegalStateException("BertTraining.mlmBackward: no mlmForward before");
    }
    int m = selected.length;
    if (!dlogits.sameShape(mlmLogits)) {
      throw new IllegalArgumentException("BertTraining.mlmBackward: dlogits " + dlogits.shapeString()
          + ", expected " + mlmLogits.shapeString());
    }
    Tensor dn = dNormed.slice(0, m);
    dn.fill(0f);
    decoder.backward(normed.slice(0, m), dlogits, dn);
    Tensor dg = dGelu.slice(0, m);
    dg.fill(0f);
    mlmNorm.backward(gelu.slice(0, m), dn, dg);
    Tensor da = dAct.slice(0, m);
    da.fill(0f);
    c.activation().backward(act.slice(0, m), null, dg, da, null);
    Tensor ds = dSel.slice(0, m);
    ds.fill(0f);
    transform.backward(sel.slice(0, m), da, ds);
    // ds: (M, C) scattered back to the rows it came from
    d1.fill(0f);
    int d = c.hidden();
    FloatBuffer db = d1.buffer();
    FloatBuffer sb = ds.buffer();
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < d; j++) {
        int at = selected[i] * d + j;
        db.put(at, db.get(at) + sb.get(i * d + j));
      }
    }
    encoderBackward(d1);
  }

  /**
   * Classification forward: the encoder, the pooler over each [CLS] (row b*T) and the classifier.
   *
   * @return (B, labels) logits, a buffer reused by the next forward
   * @throws IllegalStateException when the model has no pooler or no classifier
   */
  public Tensor classifyForward(int[] input, int[] typeIds, int[] lengths) {
    if (classifier == null) {
      throw new IllegalStateException("BertTraining: the model needs a pooler and a classifier to "
          + "train classification (see BertInit.withClassifier)");
    }
    Tensor h = encode(input, typeIds, lengths);
    // h[b*T]: (B, C) -> pooled = tanh(cls·Wᵀ + b) -> logits: (B, K)
    for (int b = 0; b < batch; b++) {
      cls.row(b).copyFrom(h.row(b * block));
    }
    pooler.forward(cls, pooled);
    FloatBuffer pb = pooled.buffer();
    for (int i = 0, n = pooled.length(); i < n; i++) {
      pb.put(i, (float) Math.tanh(pb.get(i)));
    }
    classifier.forward(pooled, classLogits);
    return classLogits;
  }

  /**
   * Backward of the last {@link #classifyForward}.
   *
   * @param dlogits (B, labels) gradient of the loss
   * @param throughEncoder false to stop at the pooler (a frozen encoder: only the pooler and the
   *     classifier get gradients), true to fine-tune the whole encoder
   */
  public void classifyBackward(Tensor dlogits, boolean throughEncoder) {
    if (!dlogits.sameShape(classLogits)) {
      throw new IllegalArgumentException("BertTraining.classifyBackward: dlogits "
          + dlogits.shapeString() + ", expected " + classLogits.shapeString());
    }
    dPooled.fill(0f);
    classifier.backward(pooled, dlogits, dPooled);
    // pooled = tanh(z): dz = dpooled * (1 - pooled²), in place
    FloatBuffer pb = pooled.buffer();
    FloatBuffer dp = dPooled.buffer();
    for (int i = 0, n = pooled.length(); i < n; i++) {
      float y = pb.get(i);
      dp.put(i, dp.get(i) * (1f - y * y));
    }
    dCls.fill(0f);
    pooler.backward(cls, dPooled, throughEncoder ? dCls : null);
    if (throughEncoder) {
      d1.fill(0f);
      for (int b = 0; b < batch; b++) {
        d1.row(b * block).copyFrom(dCls.row(b));
      }
      encoderBackward(d1);
    }
  }

  private void check(int[] input, int[] typeIds, int[] lengths) {
    if (input == null || input.length != rows || lengths == null || lengths.length != batch
        || (typeIds != null && typeIds.length != rows)) {
      throw new IllegalArgumentException("BertTraining: " + (input == null ? 0 : input.length)
          + " ids, " + (typeIds == null ? "no" : Integer.toString(typeIds.length)) + " type ids and "
          + (lengths == null ? 0 : lengths.length) + " lengths; expected " + rows + " (B*T = "
          + batch + "*" + block + "), " + rows + " or none, and " + batch);
    }
    for (int b = 0; b < batch; b++) {
      if (lengths[b] < 1 || lengths[b] > block) {
        throw new IllegalArgumentException("BertTraining: sequence " + b + " has length " + lengths[b]
            + ", expected 1.." + block);
      }
      for (int t = 0; t < block; t++) {
        int id = input[b * block + t];
        if (id < 0 || id >= c.vocabSize()) {
          throw new IllegalArgumentException("BertTraining: sequence " + b + " token " + t
              + " has id " + id + ", expected 0.." + (c.vocabSize() - 1));
        }
        if (typeIds != null && (typeIds[b * block + t] < 0
            || typeIds[b * block + t] >= c.typeVocabSize())) {
          throw new IllegalArgumentException("BertTraining: sequence " + b + " token " + t
              + " has type id " + typeIds[b * block + t] + ", expected 0.."
              + (c.typeVocabSize() - 1) + " (type_vocab_size)");
        }
      }
    }
  }
}
