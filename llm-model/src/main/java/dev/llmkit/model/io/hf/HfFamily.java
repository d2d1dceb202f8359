package dev.llmkit.model.io.hf;

import dev.llmkit.model.config.ModelConfig;

/** The Hugging Face model families this library reads and writes ({@code model_type}). */
public enum HfFamily {
  /** {@code model_type: gpt2}, {@code GPT2LMHeadModel}: Conv1D weights, fused c_attn. */
  GPT2("gpt2", "GPT2LMHeadModel"),
  /** {@code model_type: llama}, {@code LlamaForCausalLM}: nn.Linear weights, SwiGLU. */
  LLAMA("llama", "LlamaForCausalLM"),
  /** {@code model_type: gemma}, {@code GemmaForCausalLM}: Llama names, GeGLU, norms (1 + w) (read only). */
  GEMMA("gemma", "GemmaForCausalLM"),
  /** {@code model_type: gemma2}, {@code Gemma2ForCausalLM}: Gemma plus sandwich norms (read only). */
  GEMMA2("gemma2", "Gemma2ForCausalLM"),
  /** {@code model_type: phi3}, {@code Phi3ForCausalLM}: fused qkv_proj and gate_up_proj (read only). */
  PHI3("phi3", "Phi3ForCausalLM");

  private final String modelType;
  private final String architecture;

  HfFamily(String modelType, String architecture) {
    this.modelType = modelType;
    this.architecture = architecture;
  }

  /** The {@code model_type} string. */
  public String modelType() {
    return modelType;
  }

  /** The {@code architectures[0]} class name. */
  public String architecture() {
    return architecture;
  }

  /**
   * The family a config is saved as: Llama for the gated (SwiGLU) feed-forward, GPT-2 otherwise;
   * whatever the family does not express is written as {@code llmkit_*} fields.
   */
  public static HfFamily of(ModelConfig c) {
    return c.activation() == ModelConfig.Activation.SWIGLU ? LLAMA : GPT2;
  }
}
