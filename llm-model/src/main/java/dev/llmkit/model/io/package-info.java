/**
 * Checkpoint formats: loading real models into the canonical {@link
 * dev.llmkit.model.weights.ModelWeights} layout and saving them back.
 *
 * <p>Start at {@link dev.llmkit.model.io.Checkpoints}: {@code load(path)} reads a Hugging Face folder
 * ({@code config.json} + {@code model.safetensors} or a sharded {@code model.safetensors.index.json},
 * plus {@code tokenizer.json}), a llama2.c {@code .bin} or a GGUF file; {@code saveHuggingFace}
 * writes the library's own format (a Hugging Face folder, every file atomically).
 *
 * <p>Subpackages: {@code safetensors} (memory-mapped reader, F32/F16/BF16; F32 writer; shards),
 * {@code hf} ({@code config.json} and the GPT-2/Llama weight names), {@code llama2c}, {@code gguf}
 * (v2/v3, F32/F16/BF16/Q8_0). Every reader validates its file before allocating (header lengths,
 * offsets and sizes against the file size) and reports corruption as a
 * {@link dev.llmkit.model.io.CheckpointFormatException} naming the file and the tensor or field.
 */
package dev.llmkit.model.io;
