/**
 * The training view of the transformer: layers whose forward pass keeps what their backward pass
 * needs, in buffers allocated once for a fixed (batch, block) shape, and whose backward pass adds
 * parameter gradients into a gradient {@link dev.llmkit.model.weights.ModelWeights} of the same
 * structure (as llm.c does).
 *
 * <p>{@link dev.llmkit.training.nn.TrainableModel} is the whole decoder-only model: every
 * configuration of {@link dev.llmkit.model.config.ModelConfig} (learned, sinusoidal or rotary
 * positions in either pair convention; LayerNorm or RMSNorm, pre- or post-norm; ReLU, GELU tanh/erf
 * or SwiGLU; grouped-query attention; biases on or off; tied or untied embeddings). Its pieces —
 * {@link dev.llmkit.training.nn.Embeddings}, {@link dev.llmkit.training.nn.TransformerBlock},
 * {@link dev.llmkit.training.nn.CausalSelfAttention}, {@link dev.llmkit.training.nn.FeedForward},
 * {@link dev.llmkit.training.nn.Norm}, {@link dev.llmkit.training.nn.Linear} — are public so that
 * other architectures can be assembled from them; each has its forward and backward side by side
 * and runs on the kernels of {@code dev.llmkit.tensor}.
 */
package dev.llmkit.training.nn;
