package dev.llmkit.model.t5;

import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.nn.Linear;
import dev.llmkit.model.nn.Norm;
import dev.llmkit.model.nn.RelativePositionBias;
import dev.llmkit.tensor.DecodeMatrices;
import dev.llmkit.tensor.Elementwise;
import dev.llmkit.tensor.Embedding;
import dev.llmkit.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A T5 encoder–decoder model (Raffel et al. 2020; Hugging Face {@code T5ForConditionalGeneration}):
 * the shared token embedding feeds an encoder stack (bidirectional self-attention) and a decoder
 * stack (causal self-attention, then cross-attention to the encoder output); each stack computes
 * its relative position bias once and shares it across its blocks; the output head is the shared
 * embedding applied to the decoder output scaled by d_model^-0.5 (tied) or its own matrix.
 *
 * <p>Inference: {@link #encode} runs the encoder once per input; {@link #conditionedOn} presents the
 * decoder, conditioned on that input, as a {@link dev.llmkit.model.LanguageModel} whose sessions keep
 * the decoder's self-attention KV cache and share the cross-attention keys and values computed once
 * — so {@link dev.llmkit.model.generate.Generator}, every sampler and beam search run it with the
 * prompt {@code [decoderStartTokenId]}. Immutable; sessions are independent.
 */
public final class T5Model {

  private final T5Config config;
  private final T5Weights weights;
  private final DecodeMatrices decodeMatrices;
  private final Tensor shared;
  private final T5Layer[] encoder;
  private final T5Layer[] decoder;
  private final RelativePositionBias encoderBias;
  private final RelativePositionBias decoderBias;
  private final Norm encoderFinal;
  private final Norm decoderFinal;
  private final Linear head;
  /** The decoder's bias by distance, reversed per head: see {@link #decoderBiasReversed}. */
  private final float[] decoderBiasReversed;

  /** A model over the weights (kept, not copied), decode matrices chosen automatically. */
  public T5Model(T5Weights weights) {
    this(weights, DecodeMatrices.AUTO);
  }

  /** A model over the weights whose one-row products read the matrices as {@code decode} says. */
  public T5Model(T5Weights weights, DecodeMatrices decode) {
    this.weights = Objects.requireNonNull(weights, "weights");
    this.config = weights.config();
    long bytes = 0;
    for (Tensor t : weights.named().values()) {
      bytes += t.rank() == 2 ? 4L * t.length() : 0;
    }
    this.decodeMatrices = Objects.requireNonNull(decode, "decode").resolve(bytes);
    T5Config c = config;
    this.shared = weights.get(T5Weights.SHARED);
    this.encoder = new T5Layer[c.numLayers()];
    for (int i = 0; i < encoder.length; i++) {
      encoder[i] = T5Layer.of(weights, false, i, decodeMatrices);
    }
    this.decoder = new T5Layer[c.numDecoderLayers()];
    for (int i = 0; i < decoder.length; i++) {
      decoder[i] = T5Layer.of(weights, true, i, decodeMatrices);
    }
    this.encoderBias = new RelativePositionBias(
        weights.get("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"), true,
        c.maxDistance());
    this.decoderBias = new RelativePositionBias(
        weights.get("decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"), false,
        c.maxDistance());
    this.encoderFinal = T5Layer.norm(weights, c, "encoder.final_layer_norm.weight");
    this.decoderFinal = T5Layer.norm(weights, c, "decoder.final_layer_norm.weight");
    this.head = Linear.of(weights.lmHead(), null, decodeMatrices);
    // (nHeads, 1, ctx) bias of query ctx-1 over keys 0..ctx-1: entry h*ctx + ctx-1-d is distance d's
    int ctx = c.contextLength();
    Tensor rev = Tensor.zeros(c.numHeads(), 1, ctx);
    decoderBias.forward(ctx - 1, rev);
    this.decoderBiasReversed = rev.toArray();
  }

  /**
   * The decoder's relative position bias by distance, (nHeads, ctx) flat: entry {@code h·ctx + ctx-1-d}
   * is head h's bias of a key d positions before its query, so the biases of a query at p over keys
   * 0..p are the contiguous entries from {@code h·ctx + ctx-1-p}. Shared; do not modify.
   */
  float[] decoderBiasReversed() {
    return decoderBiasReversed;
  }

  /** Loads a Hugging Face T5 folder. */
  public static T5Model load(Path dir) throws IOException {
    return new T5Model(T5Weights.load(dir));
  }

  /** The architecture. */
  public T5Config config() {
    return config;
  }

  /** The parameters. */
  public T5Weights weights() {
    return weights;
  }

  /** The encoder's and decoder's relative position biases. */
  RelativePositionBias bias(boolean decoderStack) {
    return decoderStack ? decoderBias : encoderBias;
  }

  T5Layer[] decoderLayers() {
    return decoder;
  }

  T5Layer[] encoderLayers() {
    return encoder;
  }

  // ------------------------------------------------------------------------------- encoder

  /**
   * The encoder's last hidden states (after its final norm) of one input.
   *
   * <p>ids: (S) -> (S, d_model), a new tensor.
   *
   * @throws IllegalArgumentException when the input is empty, longer than the context length, or
   *     has an id outside the vocabulary (naming it)
   */
  public Tensor encode(int[] ids) {
    return encode(ids, null);
  }

  /** {@link #encode}, also filling {@code probs[layer]} (nHeads, S, S) where probs is not null. */
  Tensor encode(int[] ids, Tensor[] probs) {
    checkIds("encoder input", ids, config.contextLength());
    int s = ids.length;
    Tensor x = Tensor.zeros(s, config.dModel());
    // ids: (S) -> x: (S, C)
    Embedding.gather(shared, ids, 0, s, x);
    // bias: (nHeads, S, S), shared by every block
    Tensor bias = Tensor.zeros(config.numHeads(), s, s);
    encoderBias.forward(0, bias);
    T5Layer.Scratch scratch = new T5Layer.Scratch(config, s);
    Tensor k = Tensor.zeros(s, config.innerDim());
    Tensor v = Tensor.zeros(s, config.innerDim());
    for (int l = 0; l < encoder.length; l++) {
      encoder[l].forward(scratch, x, 0, bias, k, v, null, null, probs == null ? null : probs[l], null);
    }
    Tensor out = Tensor.zeros(s, config.dModel());
    encoderFinal.forward(x, out);
    return out;
  }

  void checkIds(String what, int[] ids, int limit) {
    if (ids == null || ids.length == 0) {
      throw new IllegalArgumentException(what + " is empty; expected at least one token id");
    }
    if (ids.length > limit) {
      throw new IllegalArgumentException(what + " has " + ids.length
          + " tokens, more than the context length " + limit + " of the model");
    }
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] >= config.vocabSize()) {
        throw new IllegalArgumentException("token id " + ids[i] + " at index " + i + " of the " + what
            + " is outside the vocabulary [0, " + config.vocabSize() + ")");
      }
    }
  }

  // ------------------------------------------------------------------------------- decoder

  /**
   * The decoder conditioned on an input: runs the encoder once, projects the encoder output to
   * every decoder layer's cross-attention keys and values once, and returns the decoder as a
   * language model (its sessions start empty; feed {@code decoderStartTokenId} first).
   */
  public T5Decoder conditionedOn(int[] encoderIds) {
    return conditionedOnHidden(encode(encoderIds));
  }

  /** {@link #conditionedOn} for encoder hidden states already computed: (S, d_model). */
  public T5Decoder conditionedOnHidden(Tensor encoderHidden) {
    if (encoderHidden.rank() != 2 || encoderHidden.dim(1) != config.dModel()) {
      throw new IllegalArgumentException("encoder hidden states " + encoderHidden.shapeString()
          + " are not (S, d_model = " + config.dModel() + ")");
    }
    int s = encoderHidden.dim(0);
    Tensor[] k = new Tensor[decoder.length];
    Tensor[] v = new Tensor[decoder.length];
    for (int l = 0; l < decoder.length; l++) {
      k[l] = Tensor.zeros(s, config.innerDim());
      v[l] = Tensor.zeros(s, config.innerDim());
      decoder[l].cross().projectMemory(encoderHidden, k[l], v[l]);
    }
    return new T5Decoder(this, encoderHidden, k, v);
  }

  /**
   * The decoder logits of every decoder position (teacher forcing), as Hugging Face's
   * {@code model(input_ids, decoder_input_ids).logits} gives them.
   *
   * <p>encoderIds: (S), decoderIds: (T) -> (T, V), a new tensor.
   */
  public Tensor logits(int[] encoderIds, int[] decoderIds) {
    try (InferenceSession s = conditionedOn(encoderIds).newSession()) {
      return s.forwardAll(decoderIds, 0, decoderIds.length);
    }
  }

  /**
   * The attention weights of all three kinds for one input and decoder sequence: each element
   * {@code [layer]} is (nHeads, queries, keys).
   *
   * @param encoderSelf encoder self-attention (S, S)
   * @param decoderSelf decoder causal self-attention (T, T)
   * @param cross decoder cross-attention to the encoder output (T, S)
   */
  public record Attentions(Tensor[] encoderSelf, Tensor[] decoderSelf, Tensor[] cross) {}

  /** The attention weights of every layer for one input and a decoder sequence. */
  public Attentions attentions(int[] encoderIds, int[] decoderIds) {
    Tensor[] enc = new Tensor[encoder.length];
    for (int l = 0; l < enc.length; l++) {
      enc[l] = Tensor.zeros(config.numHeads(), encoderIds.length, encoderIds.length);
    }
    Tensor hidden = encode(encoderIds, enc);
    try (T5Session s = conditionedOnHidden(hidden).newSession()) {
      Tensor[] self = s.forwardWithAttention(decoderIds, 0, decoderIds.length);
      return new Attentions(enc, self, s.lastCrossAttention());
    }
  }

  /**
   * Decoder output to logits: final norm, the d_model^-0.5 scaling when tied, the head.
   * x: (T, C) -> xn: (T, C) scratch -> logits: (T, V).
   */
  void logits(Tensor x, Tensor xn, Tensor logits) {
    decoderFinal.forward(x, xn);
    if (config.tiedEmbeddings()) {
      Elementwise.scale(xn, (float) Math.pow(config.dModel(), -0.5), xn);
    }
    head.forward(xn, logits);
  }

  /** {@link #logits} of rows that are different sequences, each as a one-row call computes it. */
  void logitsRows(Tensor x, Tensor xn, Tensor logits) {
    decoderFinal.forward(x, xn);
    if (config.tiedEmbeddings()) {
      Elementwise.scale(xn, (float) Math.pow(config.dModel(), -0.5), xn);
    }
    head.forwardRows(xn, logits);
  }
}
