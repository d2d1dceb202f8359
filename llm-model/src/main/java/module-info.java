/**
 * llm-model: transformer models, loading and generation. API: {@code dev.llmkit.model} (one-call
 * loading), {@code .config}, {@code .generate}, {@code .nn} (the layer library), {@code .weights},
 * {@code .io} (checkpoint entry points) and {@code .io.hf}. {@code .cost} estimates
 * parameters, memory and FLOPs from a config. The format readers (GGUF, safetensors, llama2.c) are
 * not exported. Jackson reads config.json as a tree, so no
 * package is opened for reflection; its tree types are on the API ({@code HfConfig}), hence
 * {@code requires transitive}.
 */
module dev.llmkit.model {
  requires transitive dev.llmkit.tensor;
  requires transitive dev.llmkit.tokenizer;
  requires transitive dev.llmkit.sampling;
  requires transitive com.fasterxml.jackson.databind; // HfConfig exposes JsonNode
  requires org.slf4j;
  requires jinjava; // chat templates (HubSpot Jinjava: a filename-derived automatic module)
  requires java.desktop; // java.beans, which Jinjava's EL resolvers (and so PythonMethods) use

  exports dev.llmkit.model;
  exports dev.llmkit.model.chat;
  exports dev.llmkit.model.config;
  exports dev.llmkit.model.cost;
  exports dev.llmkit.model.generate;
  exports dev.llmkit.model.io;
  exports dev.llmkit.model.io.hf;
  exports dev.llmkit.model.nn;
  exports dev.llmkit.model.t5;
  exports dev.llmkit.model.weights;
}
