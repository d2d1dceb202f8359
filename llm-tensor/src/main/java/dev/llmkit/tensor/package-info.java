/**
 * Tensors and the kernels of a transformer, with kernel choice and memory layout.
 *
 * <p><b>ND4J's role.</b> ND4J ({@code nd4j-native-platform}) provides two things and nothing else:
 * off-heap memory for {@link dev.llmkit.tensor.Tensor} (its allocation, reached by the kernels as a
 * {@link java.nio.FloatBuffer} or a native address) and the bundled OpenBLAS, which
 * {@link dev.llmkit.tensor.Matmul} calls for sgemm/sgemv ({@code Blas}). Every other kernel (norms,
 * activations, softmax, RoPE, attention, embeddings) is Java, with Vector API paths where the JDK
 * has the module ({@link dev.llmkit.tensor.Simd}); ND4J's own op library measured slower for them.
 * No ND4J type appears on this package's API.
 *
 * <p><b>Kernel choice and memory</b> live here, behind small types: a linear layer's weight is a
 * {@link dev.llmkit.tensor.WeightMatrix} ({@link dev.llmkit.tensor.F32Matrix} in place,
 * {@link dev.llmkit.tensor.HeapMatrix} copied for the one-row decode kernel, chosen by
 * {@link dev.llmkit.tensor.DecodeMatrices}; quantized formats implement the same interface), and a
 * decoder's attention against its {@link dev.llmkit.tensor.KvCache} goes through the one entry
 * point {@link dev.llmkit.tensor.CachedAttention}, which picks the decode, prefill or general kernel.
 *
 * <p>API: {@code Tensor}, {@code WeightMatrix}, {@code F32Matrix}, {@code HeapMatrix},
 * {@code DecodeMatrices}, {@code KvCache}, {@code CachedAttention}, {@code Attention},
 * {@code AttentionMask}, {@code AttentionVariant}, {@code VariantAttention}, {@code DecodeAttention}, {@code Matmul}, {@code Elementwise},
 * {@code Activations}, {@code LayerNorm}, {@code RmsNorm}, {@code Softmax}, {@code Rope},
 * {@code RopeTable}, {@code RopeStyle}, {@code PositionalEncoding}, {@code Embedding},
 * {@code Simd} (whether the Vector API kernels are on, for diagnostics) — 24 public types, the
 * module's only unqualified export. The rest (SIMD dispatch, scratch rows, fast exp, BLAS binding,
 * shape checks, the prefill kernel) is package-private; the thread team
 * {@link dev.llmkit.tensor.kernel.Parallel} is in {@code dev.llmkit.tensor.kernel}, exported only
 * to {@code dev.llmkit.model} and {@code dev.llmkit.training} (see {@code module-info.java}).
 */
package dev.llmkit.tensor;
