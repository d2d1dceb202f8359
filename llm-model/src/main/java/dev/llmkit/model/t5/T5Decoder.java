package dev.llmkit.model.t5;

import dev.llmkit.model.BatchSession;
import dev.llmkit.model.LanguageModel;
import dev.llmkit.model.SessionOptions;
import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.tensor.BiasedDecodeAttention;
import dev.llmkit.tensor.Tensor;

/**
 * A T5 decoder conditioned on one encoder input ({@link T5Model#conditionedOn}): a
 * {@link LanguageModel} over decoder ids. It holds the encoder output and every layer's
 * cross-attention keys and values, computed once and shared (read-only) by all its sessions; each
 * {@link T5Session} keeps its own self-attention KV cache. Start each session with
 * {@link T5Config#decoderStartTokenId()} ({@link #startIds()}); EOS is {@link T5Config#eosTokenId()}.
 */
public final class T5Decoder implements LanguageModel {

  private final T5Model model;
  private final Tensor encoderHidden;
  private final Tensor[] crossK;
  private final Tensor[] crossV;
  /** Heap copies of crossK (transposed, (inner, crossStride)) and crossV ((S, inner)) for decode steps. */
  private final float[][] crossKeysT;
  private final float[][] crossValues;
  private final int crossStride;
  private final ModelConfig view;

  T5Decoder(T5Model model, Tensor encoderHidden, Tensor[] crossK, Tensor[] crossV) {
    this.model = model;
    this.encoderHidden = encoderHidden;
    this.crossK = crossK;
    this.crossV = crossV;
    int s = encoderHidden.dim(0);
    int inner = model.config().innerDim();
    this.crossStride = BiasedDecodeAttention.paddedStride(s);
    this.crossKeysT = new float[crossK.length][inner * crossStride];
    this.crossValues = new float[crossK.length][];
    for (int l = 0; l < crossK.length; l++) {
      float[] k = crossK[l].toArray();
      for (int j = 0; j < s; j++) {
        for (int c = 0; c < inner; c++) {
          crossKeysT[l][c * crossStride + j] = k[j * inner + c];
        }
      }
      crossValues[l] = crossV[l].toArray();
    }
    this.view = summary(model.config());
  }

  /**
   * The decoder seen as a decoder-only config, for generic code (vocabulary, context length, EOS,
   * layers, widths); the architecture proper is {@link T5Config}. Heads are reported as 1 when
   * d_model is not a multiple of num_heads (T5 v1.1 has num_heads·d_kv ≠ d_model).
   */
  static ModelConfig summary(T5Config c) {
    return ModelConfig.builder()
        .vocabSize(c.vocabSize())
        .dim(c.dModel())
        .nLayers(c.numDecoderLayers())
        .nHeads(c.dModel() % c.numHeads() == 0 ? c.numHeads() : 1)
        .nKvHeads(c.dModel() % c.numHeads() == 0 ? c.numHeads() : 1)
        .ffnDim(c.dFf())
        .contextLength(c.contextLength())
        .norm(ModelConfig.NormType.RMS_NORM)
        .normEps(c.layerNormEps())
        .activation(c.feedForward() == T5Config.FeedForward.RELU
            ? ModelConfig.Activation.RELU : ModelConfig.Activation.GELU_TANH)
        .tiedEmbeddings(c.tiedEmbeddings())
        .bosTokenId(-1)
        .eosTokenId(c.eosTokenId())
        .build();
  }

  @Override
  public ModelConfig config() {
    return view;
  }

  /** The encoder–decoder model. */
  public T5Model t5() {
    return model;
  }

  /** (S, d_model) the encoder output this decoder attends to. */
  public Tensor encoderHidden() {
    return encoderHidden;
  }

  /** The ids every generation starts from: {@code [decoderStartTokenId]}. */
  public int[] startIds() {
    return new int[] {model.config().decoderStartTokenId()};
  }

  Tensor crossK(int layer) {
    return crossK[layer];
  }

  Tensor crossV(int layer) {
    return crossV[layer];
  }

  /** Layer l's cross-attention keys transposed, (inner, {@link #crossStride()}), on the heap. */
  float[] crossKeysT(int layer) {
    return crossKeysT[layer];
  }

  /** Layer l's cross-attention values (S, inner) on the heap. */
  float[] crossValues(int layer) {
    return crossValues[layer];
  }

  int crossStride() {
    return crossStride;
  }

  /** S, the encoder input's length. */
  int encoderLength() {
    return encoderHidden.dim(0);
  }

  @Override
  public T5Session newSession() {
    return newSession(SessionOptions.DEFAULT);
  }

  /**
   * A new session with an empty self-attention cache.
   *
   * @throws IllegalArgumentException when the options ask for a sliding window (a T5 decoder has
   *     none: its cross-attention sees the whole input, its self-attention every target token)
   */
  @Override
  public T5Session newSession(SessionOptions options) {
    if (options.slidingWindow()) {
      throw new IllegalArgumentException(
          "a T5 decoder has no sliding window; generate at most contextLength "
              + model.config().contextLength() + " decoder tokens");
    }
    return new T5Session(this, options);
  }

  /**
   * Rows that decode this input together (beam search's beams): one batched step runs a token of
   * each of them in one pass over the weights, each row's logits equal to its own session's.
   *
   * @throws IllegalArgumentException when rows is below 1 or the options ask for a sliding window
   */
  @Override
  public BatchSession newBatchSession(int rows, SessionOptions options) {
    if (options.slidingWindow()) {
      newSession(options); // throws the sliding-window message
    }
    return new T5BatchSession(this, rows, options);
  }
}
