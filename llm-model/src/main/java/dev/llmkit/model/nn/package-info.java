/**
 * The layer library: every layer written once, for inference and for training.
 *
 * <p>Each layer is an immutable object over its parameters with, side by side in its file and with
 * shapes in comments: the <b>inference forward</b> (against a KV cache or a session's scratch; keeps
 * nothing, thread-safe), the <b>training forward</b> and the <b>backward</b>, both on the layer's
 * {@code Training} state, which a {@code training(...)} method makes once for a fixed (batch, block)
 * shape with the gradient tensors that {@link dev.llmkit.model.nn.Gradients} names (parameter
 * gradients are added into them; input gradients are returned by adding into {@code dx}). Where the
 * forward keeps nothing itself ({@link dev.llmkit.model.nn.Linear},
 * {@link dev.llmkit.model.nn.FeedForward}, {@link dev.llmkit.model.nn.Embeddings},
 * {@link dev.llmkit.model.nn.Block}) both modes run the same forward code on different buffers.
 *
 * <p>The parts that vary are behaviour objects chosen once from the config:
 * {@link dev.llmkit.model.nn.Norm} (LayerNorm, RMSNorm), {@link dev.llmkit.model.nn.Activation}
 * (ReLU, GELU tanh/erf, SwiGLU), {@link dev.llmkit.model.nn.Positions} (learned, sinusoidal, rotary;
 * T5's relative bias is the next), {@link dev.llmkit.model.nn.OutputHead} (the
 * {@link dev.llmkit.model.nn.LmHead}, or another head). {@link dev.llmkit.model.nn.Attention} is
 * causal or bidirectional self-attention (with per-sequence padding masks in training) or
 * cross-attention over a memory whose keys and values inference projects once. Weights are
 * {@link dev.llmkit.tensor.WeightMatrix} values, so quantized storage slots in.
 *
 * <p>{@link dev.llmkit.model.nn.Transformer} is the decoder-only model composed of these layers: a
 * {@link dev.llmkit.model.LanguageModel} for inference and, through
 * {@link dev.llmkit.model.nn.Transformer#training}, the training forward and backward that
 * llm-training's {@code TrainableModel} drives with a loss.
 *
 * <p>API: {@code Transformer}, {@code Linear}, {@code Norm}, {@code Activation}, {@code Positions},
 * {@code Embeddings}, {@code Attention}, {@code FeedForward}, {@code Block}, {@code OutputHead},
 * {@code LmHead}, {@code Gradients}, {@code Trainable}. {@code Workspace} is the sessions' scratch
 * (its storage is made inside this package).
 */
package dev.llmkit.model.nn;
