package dev.llmkit.tokenizer;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Entry points: the built-in OpenAI encodings, loading tokenizer files, saving a tokenizer to a
 * folder.
 */
public final class Tokenizers {

  private Tokenizers() {}

  /**
   * One of the OpenAI encodings shipped inside this artifact: {@code r50k_base} (alias
   * {@code gpt2}), {@code p50k_base}, {@code cl100k_base}, {@code o200k_base}. Instances are cached
   * and shared (they are thread-safe).
   *
   * @param name the encoding name
   * @return the tokenizer
   * @throws IllegalArgumentException for an unknown name, listing the known ones
   */
  public static Tokenizer encoding(String name) {
    return dev.llmkit.tokenizer.tiktoken.OpenAiEncodings.get(name);
  }

  /**
   * Loads a tokenizer from a file or folder: a Hugging Face {@code tokenizer.json}; a folder that
   * holds {@code tokenizer.json}, or {@code vocab.json} + {@code merges.txt}; a GGUF file
   * ({@code .gguf}, vocabulary from its {@code tokenizer.ggml.*} metadata); a llama2.c tokenizer
   * ({@code tok*.bin}); a tiktoken rank file ({@code .tiktoken}).
   *
   * @param path the file or folder
   * @return the tokenizer
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException if the file is corrupt, naming the file and the line or offset
   */
  public static Tokenizer load(Path path) throws IOException {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /**
   * Saves a tokenizer into a folder as a Hugging Face {@code tokenizer.json}, so that
   * {@link #load(Path)} (and Hugging Face {@code tokenizers}) reads it back.
   *
   * @param tokenizer the tokenizer
   * @param dir the folder (created if missing)
   * @return the file written
   * @throws IOException if writing fails
   * @throws UnsupportedOperationException if this kind of tokenizer cannot be written
   */
  public static Path save(Tokenizer tokenizer, Path dir) throws IOException {
    throw new UnsupportedOperationException("not implemented yet");
  }
}
