package dev.llmkit.examples.cli;

import dev.llmkit.model.io.hf.HuggingFaceCheckpoint;
import dev.llmkit.tokenizer.CharTokenizer;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** How {@code llm train} and {@code llm finetune} find their tokenizer. */
final class TrainTokenizers {

  private TrainTokenizers() {}

  /**
   * {@code char}: the distinct characters of the corpus (nanoGPT's shakespeare_char); an existing
   * path: a tokenizer file or folder; otherwise the name of a built-in encoding (r50k_base/gpt2,
   * cl100k_base, ...).
   */
  static Tokenizer resolve(String spec, String corpus) throws IOException {
    if (spec.equals("char")) {
      return CharTokenizer.fromCorpus(corpus);
    }
    Path p = Path.of(spec);
    if (Files.exists(p)) {
      return Tokenizers.load(p);
    }
    return Tokenizers.encoding(spec);
  }

  /** The tokenizer saved with a model folder (its tokenizer.json). */
  static Tokenizer ofModel(Path dir) throws IOException {
    Tokenizer t = HuggingFaceCheckpoint.loadTokenizer(dir);
    if (t == null) {
      throw new IllegalArgumentException("model folder " + dir + " has no "
          + HuggingFaceCheckpoint.TOKENIZER_FILE + "; name a tokenizer with --tokenizer");
    }
    return t;
  }
}
