/**
 * llm-tensor: tensors and transformer kernels. API: package {@code dev.llmkit.tensor} and the quantized weight
 * matrices of {@code dev.llmkit.tensor.quant}. The thread
 * team in {@code dev.llmkit.tensor.kernel} is exported only to {@code dev.llmkit.model}, which runs
 * kernels of its own (llm-training stays an automatic module: Spark 4's jars have no valid module
 * names, so it has no descriptor).
 *
 * <p>ND4J 1.0.0-M2.1 ships explicit module descriptors ({@code nd4j.api}, {@code nd4j.cpu},
 * {@code org.bytedeco.javacpp}, {@code org.bytedeco.openblas}), so these names are stable, not derived from file names. No ND4J
 * type is on this module's API, hence no {@code requires transitive}. The Vector API is optional:
 * {@code requires static}, and {@code Simd} loads the Vector API kernels only when the JVM has
 * the module.
 */
module dev.llmkit.tensor {
  requires nd4j.api;
  requires org.bytedeco.javacpp;
  requires org.bytedeco.openblas;
  requires org.slf4j;
  requires static jdk.incubator.vector;

  exports dev.llmkit.tensor;
  exports dev.llmkit.tensor.quant;
  exports dev.llmkit.tensor.kernel to dev.llmkit.model;
}
