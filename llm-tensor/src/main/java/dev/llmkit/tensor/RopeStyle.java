package dev.llmkit.tensor;

/** Which pairs of a head's dimensions rotary position embedding rotates together. */
public enum RopeStyle {
  /** Meta's original and llama2.c's: pairs {@code (x[2i], x[2i+1])}. */
  ADJACENT_PAIRS,
  /** Hugging Face Llama's: pairs {@code (x[i], x[i + headDim/2])}. */
  ROTATE_HALF
}
