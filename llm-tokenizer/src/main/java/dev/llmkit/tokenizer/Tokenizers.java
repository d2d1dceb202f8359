package dev.llmkit.tokenizer;

import dev.llmkit.tokenizer.bpe.BytePairTokenizer;
import dev.llmkit.tokenizer.gguf.GgufTokenizers;
import dev.llmkit.tokenizer.hf.HfTokenizerJson;
import dev.llmkit.tokenizer.hf.HfVocabMerges;
import dev.llmkit.tokenizer.pretokenize.Cl100kPreTokenizer;
import dev.llmkit.tokenizer.sentencepiece.Llama2cTokenizerFile;
import dev.llmkit.tokenizer.sentencepiece.SentencePieceModelFile;
import dev.llmkit.tokenizer.tiktoken.OpenAiEncodings;
import dev.llmkit.tokenizer.tiktoken.TiktokenFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalInt;

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
   * ({@code tok*.bin}); a tiktoken rank file ({@code .tiktoken}); a SentencePiece model
   * ({@code .model}, e.g. {@code spiece.model}, {@code tokenizer.model}; a folder with one of those
   * two and no {@code tokenizer.json}); BERT's {@code vocab.txt} (read as uncased; use
   * {@code BertVocabFile} for cased vocabularies).
   *
   * @param path the file or folder
   * @return the tokenizer
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException if the file is corrupt, naming the file and the line or offset
   */
  public static Tokenizer load(Path path) throws IOException {
    if (Files.isDirectory(path)) {
      if (Files.exists(path.resolve("tokenizer.json"))) {
        return HfTokenizerJson.load(path.resolve("tokenizer.json"));
      }
      if (Files.exists(path.resolve("vocab.json")) && Files.exists(path.resolve("merges.txt"))) {
        return HfVocabMerges.load(path);
      }
      if (Files.exists(path.resolve("vocab.txt"))) {
        return dev.llmkit.tokenizer.wordpiece.BertVocabFile.load(path.resolve("vocab.txt"), true);
      }
      for (String spm : new String[] {"spiece.model", "tokenizer.model"}) {
        if (Files.exists(path.resolve(spm))) {
          return SentencePieceModelFile.load(path.resolve(spm));
        }
      }
      throw new IllegalArgumentException(
          path + ": folder has neither tokenizer.json, vocab.json + merges.txt, vocab.txt nor"
              + " spiece.model / tokenizer.model");
    }
    if (!Files.exists(path)) {
      throw new java.nio.file.NoSuchFileException(path.toString());
    }
    String name = path.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
    if (name.endsWith(".json")) {
      return HfTokenizerJson.load(path);
    }
    if (name.endsWith(".tiktoken")) {
      return tiktoken(path);
    }
    if (name.equals("vocab.txt")) {
      return dev.llmkit.tokenizer.wordpiece.BertVocabFile.load(path, true);
    }
    if (name.endsWith(".model")) {
      return SentencePieceModelFile.load(path);
    }
    byte[] head = new byte[4];
    try (java.io.InputStream in = Files.newInputStream(path)) {
      int n = in.readNBytes(head, 0, 4);
      if (n == 4 && head[0] == 'G' && head[1] == 'G' && head[2] == 'U' && head[3] == 'F') {
        return GgufTokenizers.load(path);
      }
    }
    if (name.endsWith(".gguf")) {
      return GgufTokenizers.load(path); // reports the bad magic
    }
    if (name.endsWith(".bin")) {
      return Llama2cTokenizerFile.load(path);
    }
    throw new IllegalArgumentException(
        path + ": unknown tokenizer file; expected tokenizer.json, a folder with tokenizer.json or"
            + " vocab.json + merges.txt, a .gguf, a llama2.c tok*.bin, a .tiktoken or a SentencePiece"
            + " .model file");
  }

  private static Tokenizer tiktoken(Path path) throws IOException {
    String base = path.getFileName().toString().replaceFirst("\\.tiktoken$", "");
    byte[][] ranks;
    try (java.io.InputStream in = Files.newInputStream(path)) {
      ranks = TiktokenFile.read(in, path.toString());
    }
    for (String known : OpenAiEncodings.NAMES) {
      if (known.equals(base)) {
        BytePairTokenizer ref = OpenAiEncodings.get(known);
        return BytePairTokenizer.fromRanks(
            path.toString(), ranks, ref.preTokenizer(), ref.specialTokens(), ref.bosId(),
            ref.eosId(), ref.vocabSize());
      }
    }
    // unknown rank file: the cl100k split pattern, no special tokens
    return BytePairTokenizer.fromRanks(
        path.toString(), ranks, Cl100kPreTokenizer.INSTANCE, Map.of(), OptionalInt.empty(),
        OptionalInt.empty(), 0);
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
    Files.createDirectories(dir);
    Path file = dir.resolve("tokenizer.json");
    HfTokenizerJson.write(tokenizer, file);
    return file;
  }
}
