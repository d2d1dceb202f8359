package dev.llmkit.model.t5;

import dev.llmkit.model.nn.FeedForward;
import dev.llmkit.model.nn.Gradients;
import dev.llmkit.model.nn.Linear;
import dev.llmkit.model.nn.Norm;
import dev.llmkit.model.nn.RelativePositionBias;
import dev.llmkit.model.nn.ScoreBiasAttention;
import dev.llmkit.tensor.AttentionMask;
import dev.llmkit.tensor.DecodeMatrices;
import dev.llmkit.tensor.Elementwise;
import dev.llmkit.tensor.Embedding;
import dev.llmkit.tensor.Tensor;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Sequence-to-sequence training of a {@link T5Model} by teacher forcing: for a batch of B (source,
 * target) pairs padded to S and T tokens, the training forward keeps every activation backward
 * needs and returns the decoder logits (B*T, V); backward takes their gradient (from a
 * cross-entropy over the target, padding ignored — llm-training's loss) and adds the gradient of
 * every parameter, through cross-attention and both relative position biases, into a
 * {@link T5Weights} of gradients. The layers are the inference ones ({@code nn}); this class only
 * composes their training states. Not thread-safe; one per (batch, S, T).
 *
 * <p>Source padding masks the padded keys of encoder self-attention and of cross-attention; the
 * decoder needs no padding mask (pads come after the target, and the causal mask hides them from
 * earlier positions); their rows are masked out of the loss by the caller.
 */
public final class T5Training {

  private final T5Weights weights;
  private final T5Weights grads;
  private final T5Config c;
  private final int batch;
  private final int s;
  private final int t;
  private final Stack encoder;
  private final Stack decoder;
  private final Norm.Training encoderFinal;
  private final Norm.Training decoderFinal;
  private final Linear.Training head;
  private final float headScale;
  private final Tensor dShared;
  private final int[] sourceIds;
  private final int[] decoderIds;
  // kept: encoder output, decoder final norm's input and output, the head's (scaled) input, logits
  private final Tensor enc;
  private final Tensor decNormed;
  private final Tensor headIn;
  private final Tensor logits;
  // gradients of the same
  private final Tensor dEnc;
  private final Tensor dHeadIn;
  private final Tensor dDec;

  /**
   * @param weights the parameters (trained in place by the caller's optimiser)
   * @param grads gradients of the same names and shapes, added into by {@link #backward}
   * @param batch pairs per step
   * @param sourceBlock S, the padded source length
   * @param targetBlock T, the padded decoder length
   */
  public T5Training(T5Weights weights, T5Weights grads, int batch, int sourceBlock, int targetBlock) {
    this.weights = Objects.requireNonNull(weights, "weights");
    this.grads = Objects.requireNonNull(grads, "grads");
    this.c = weights.config();
    if (!grads.config().equals(c)) {
      throw new IllegalArgumentException("T5Training: gradients of another config");
    }
    if (batch < 1 || sourceBlock < 1 || targetBlock < 1) {
      throw new IllegalArgumentException("T5Training: batch " + batch + ", source block "
          + sourceBlock + ", target block " + targetBlock + " must be positive");
    }
    if (sourceBlock > c.contextLength() || targetBlock > c.contextLength()) {
      throw new IllegalArgumentException("T5Training: source block " + sourceBlock + " or target block "
          + targetBlock + " is longer than the context length " + c.contextLength());
    }
    this.batch = batch;
    this.s = sourceBlock;
    this.t = targetBlock;
    Map<Tensor, Tensor> byTensor = new IdentityHashMap<>();
    weights.named().forEach((n, p) -> byTensor.put(p, grads.get(n)));
    Gradients g = p -> {
      if (p == null) {
        return null;
      }
      Tensor d = byTensor.get(p);
      if (d == null) {
        throw new IllegalArgumentException("T5Training: no gradient for a parameter of shape " + p.shapeString());
      }
      return d;
    };
    // the model over the very parameter tensors (SHARED), so that the layers' gradients map by identity
    T5Model model = new T5Model(weights, DecodeMatrices.SHARED);
    this.encoder = new Stack(model, false, batch, s, s, g);
    this.decoder = new Stack(model, true, batch, t, s, g);
    int rowsS = batch * s;
    int rowsT = batch * t;
    int d = c.dModel();
    this.encoderFinal = T5Layer.norm(weights, c, "encoder.final_layer_norm.weight").training(rowsS, g);
    this.decoderFinal = T5Layer.norm(weights, c, "decoder.final_layer_norm.weight").training(rowsT, g);
    this.head = new Linear(DecodeMatrices.SHARED.matrix(weights.lmHead()), null).training(g);
    this.headScale = c.tiedEmbeddings() ? (float) Math.pow(d, -0.5) : 1f;
    this.dShared = grads.get(T5Weights.SHARED);
    this.sourceIds = new int[rowsS];
    this.decoderIds = new int[rowsT];
    this.enc = Tensor.zeros(rowsS, d);
    this.decNormed = Tensor.zeros(rowsT, d);
    this.headIn = Tensor.zeros(rowsT, d);
    this.logits = Tensor.zeros(rowsT, c.vocabSize());
    this.dEnc = Tensor.zeros(rowsS, d);
    this.dHeadIn = Tensor.zeros(rowsT, d);
    this.dDec = Tensor.zeros(rowsT, d);
  }

  /** The parameters. */
  public T5Weights weights() {
    return weights;
  }

  /** The gradients {@link #backward} adds into. */
  public T5Weights gradients() {
    return grads;
  }

  /**
   * Training forward.
   *
   * @param source B*S source ids, row-major (b, i)
   * @param sourceLength the real length of each source (the rest is padding), 1..S
   * @param decoderInput B*T decoder input ids (decoder_start_token_id, then the target shifted right)
   * @return (B*T, V) logits, a buffer reused by the next forward
   */
  public Tensor forward(int[] source, int[] sourceLength, int[] decoderInput) {
    if (source.length != batch * s || decoderInput.length != batch * t || sourceLength.length != batch) {
      throw new IllegalArgumentException("T5Training.forward: " + source.length + " source ids, "
          + decoderInput.length + " decoder ids and " + sourceLength.length + " lengths; expected "
          + batch * s + ", " + batch * t + " and " + batch);
    }
    AttentionMask[] memory = new AttentionMask[batch];
    for (int b = 0; b < batch; b++) {
      int n = sourceLength[b];
      if (n < 1 || n > s) {
        throw new IllegalArgumentException(
            "T5Training.forward: source " + b + " has length " + n + ", expected 1.." + s);
      }
      boolean[] valid = new boolean[s];
      Arrays.fill(valid, 0, n, true);
      memory[b] = AttentionMask.padding(valid);
    }
    checkIds(source, "source");
    checkIds(decoderInput, "decoder input");
    System.arraycopy(source, 0, sourceIds, 0, source.length);
    System.arraycopy(decoderInput, 0, decoderIds, 0, decoderInput.length);
    // encoder: ids (B*S) -> x (B*S, C) -> enc (B*S, C)
    encoder.masks(memory, null);
    Tensor xe = encoder.forward(sourceIds, null);
    encoderFinal.forward(xe, enc);
    // decoder: ids (B*T) -> x (B*T, C), attending to enc -> logits (B*T, V)
    decoder.masks(null, memory);
    Tensor xd = decoder.forward(decoderIds, enc);
    decoderFinal.forward(xd, decNormed);
    Elementwise.scale(decNormed, headScale, headIn);
    head.forward(headIn, logits);
    return logits;
  }

  private void checkIds(int[] ids, String what) {
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] >= c.vocabSize()) {
        throw new IllegalArgumentException("T5Training: " + what + " id " + ids[i] + " at index " + i
            + " is outside the vocabulary [0, " + c.vocabSize() + ")");
      }
    }
  }

  /**
   * Backward of the last forward: adds every parameter's gradient into {@link #gradients()}.
   *
   * @param dlogits (B*T, V) gradient of the loss with respect to the logits
   */
  public void backward(Tensor dlogits) {
    // logits = (Norm(x)·scale)·Wᵀ: dHeadIn, dW; dDecNormed = scale·dHeadIn
    dHeadIn.fill(0f);
    head.backward(headIn, dlogits, dHeadIn);
    Elementwise.scale(dHeadIn, headScale, dHeadIn);
    dDec.fill(0f);
    decoderFinal.backward(decoder.output(), dHeadIn, dDec);
    dEnc.fill(0f);
    decoder.backward(dDec, enc, dEnc);
    Tensor dxe = encoder.dOutput();
    dxe.fill(0f);
    encoderFinal.backward(encoder.output(), dEnc, dxe);
    encoder.backward(dxe, null, null);
  }

  /**
   * One stack's training state: the embedding lookup, the blocks (kept inputs per block), the
   * relative position bias computed once and its gradient summed over the blocks.
   */
  private final class Stack {
    private final boolean isDecoder;
    private final int rows;
    private final int block;
    private final Layer[] layers;
    private final RelativePositionBias relative;
    private final Tensor bias;
    private final Tensor dBias;
    private final Tensor dTable;
    private final Tensor[] xs; // xs[l]: input of block l; xs[L]: the stack's output
    private final Tensor dx;
    private final Tensor dy;
    private int[] ids;

    Stack(T5Model model, boolean isDecoder, int batch, int block, int memoryBlock, Gradients g) {
      this.isDecoder = isDecoder;
      this.block = block;
      this.rows = batch * block;
      T5Layer[] src = isDecoder ? model.decoderLayers() : model.encoderLayers();
      this.layers = new Layer[src.length];
      for (int l = 0; l < src.length; l++) {
        layers[l] = new Layer(src[l], batch, block, memoryBlock, g);
      }
      this.relative = model.bias(isDecoder);
      this.bias = Tensor.zeros(c.numHeads(), block, block);
      relative.forward(0, bias);
      this.dBias = Tensor.zeros(c.numHeads(), block, block);
      this.dTable = g.of(relative.biasTable());
      this.xs = new Tensor[src.length + 1];
      for (int l = 0; l <= src.length; l++) {
        xs[l] = Tensor.zeros(rows, c.dModel());
      }
      this.dx = Tensor.zeros(rows, c.dModel());
      this.dy = Tensor.zeros(rows, c.dModel());
    }

    void masks(AttentionMask[] self, AttentionMask[] cross) {
      for (Layer l : layers) {
        l.self.masks(self);
        if (l.cross != null) {
          l.cross.masks(cross);
        }
      }
    }

    Tensor output() {
      return xs[layers.length];
    }

    Tensor dOutput() {
      return dy;
    }

    /** ids (rows) -> (rows, C), the stack's output before the final norm. */
    Tensor forward(int[] ids, Tensor memory) {
      this.ids = ids;
      // the bias follows the parameters, which the optimiser changed since the last step
      relative.forward(0, bias);
      Embedding.gather(weights.get(T5Weights.SHARED), ids, 0, ids.length, xs[0]);
      for (int l = 0; l < layers.length; l++) {
        layers[l].forward(xs[l], memory, bias, xs[l + 1]);
      }
      return xs[layers.length];
    }

    /** dout (rows, C) of the output -> parameter gradients; dmemory += (decoder). */
    void backward(Tensor dout, Tensor memory, Tensor dmemory) {
      dBias.fill(0f);
      Tensor g = dout;
      for (int l = layers.length - 1; l >= 0; l--) {
        Tensor into = g == dx ? dy : dx;
        into.fill(0f);
        layers[l].backward(xs[l], memory, g, into, dmemory, dBias);
        g = into;
      }
      relative.backward(0, dBias, dTable);
      Embedding.scatterAddBackward(g, ids, 0, ids.length, dShared);
    }
  }

  /** One block's training state and kept activations. */
  private final class Layer {
    private final Norm.Training n0;
    private final ScoreBiasAttention.Training self;
    private final Norm.Training n1;
    private final ScoreBiasAttention.Training cross;
    private final Norm.Training nf;
    private final FeedForward.Training ffn;
    private final Tensor h0;
    private final Tensor x1;
    private final Tensor h1;
    private final Tensor x2;
    private final Tensor hf;
    private final Tensor y;
    private final Tensor dh;
    private final Tensor dx1;
    private final Tensor dx2;

    Layer(T5Layer layer, int batch, int block, int memoryBlock, Gradients g) {
      int rows = batch * block;
      int d = c.dModel();
      n0 = layer.selfNorm().training(rows, g);
      self = layer.self().training(batch, block, block, g);
      boolean dec = layer.cross() != null;
      n1 = dec ? layer.crossNorm().training(rows, g) : null;
      cross = dec ? layer.cross().training(batch, block, memoryBlock, g) : null;
      nf = layer.ffnNorm().training(rows, g);
      ffn = layer.ffn().training(rows, g);
      h0 = Tensor.zeros(rows, d);
      x1 = Tensor.zeros(rows, d);
      h1 = dec ? Tensor.zeros(rows, d) : null;
      x2 = dec ? Tensor.zeros(rows, d) : null;
      hf = Tensor.zeros(rows, d);
      y = Tensor.zeros(rows, d);
      dh = Tensor.zeros(rows, d);
      dx1 = Tensor.zeros(rows, d);
      dx2 = dec ? Tensor.zeros(rows, d) : null;
    }

    /** x (rows, C) -> out (rows, C): x1 = x + SA(N0 x); [x2 = x1 + CA(N1 x1, m)]; out = x2 + FFN(Nf x2). */
    void forward(Tensor x, Tensor memory, Tensor bias, Tensor out) {
      n0.forward(x, h0);
      self.forward(h0, h0, bias, y);
      Elementwise.add(x, y, x1);
      Tensor last = x1;
      if (cross != null) {
        n1.forward(x1, h1);
        cross.forward(h1, memory, null, y);
        Elementwise.add(x1, y, x2);
        last = x2;
      }
      nf.forward(last, hf);
      ffn.forward(hf, y);
      Elementwise.add(last, y, out);
    }

    /** dout (rows, C) -> dx += (rows, C); dmemory += ; dBias += (the self-attention's bias). */
    void backward(Tensor x, Tensor memory, Tensor dout, Tensor dx, Tensor dmemory, Tensor dBias) {
      Tensor last = cross != null ? x2 : x1;
      Tensor dLast = cross != null ? dx2 : dx1;
      // out = last + FFN(Nf(last))
      dh.fill(0f);
      ffn.backward(hf, dout, dh);
      dLast.copyFrom(dout);
      nf.backward(last, dh, dLast);
      if (cross != null) {
        // x2 = x1 + CA(N1(x1), memory)
        dh.fill(0f);
        cross.backward(h1, memory, dx2, dh, dmemory, null);
        dx1.copyFrom(dx2);
        n1.backward(x1, dh, dx1);
      }
      // x1 = x + SA(N0(x))
      dh.fill(0f);
      self.backward(h0, h0, dx1, dh, dh, dBias);
      Elementwise.addInPlace(dx, dx1);
      n0.backward(x, dh, dx);
    }
  }
}
