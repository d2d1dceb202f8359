package dev.llmkit.examples.cli;

import dev.llmkit.model.io.hf.HuggingFaceCheckpoint;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** How {@code llm train} and {@code llm finetune} find their tokenizer. */
final class TrainTokenizers {

  private TrainTokenizers() {}

  /**
   * {@code char}: the distinct characters of the corpus; an existing path: a tokenizer file or
   * folder; otherwise the name of a built-in encoding (r50k_base/gpt2, cl100k_base, ...).
   */
  static Tokenizer resolve(String spec, String corpus) throws IOException {
    if (spec.equals("char")) {
      return CorpusCharTokenizer.fromCorpus(corpus);
    }
    Path p = Path.of(spec);
    if (Files.exists(p)) {
      return Tokenizers.load(p);
    }
    return Tokenizers.encoding(spec);
  }

  /** The tokenizer saved with a model folder: its character vocabulary, or its tokenizer.json. */
  static Tokenizer ofModel(Path dir) throws IOException {
    Path chars = dir.resolve(CorpusCharTokenizer.FILE);
    if (Files.isRegularFile(chars)) {
      return CorpusCharTokenizer.load(chars);
    }
    Tokenizer t = HuggingFaceCheckpoint.loadTokenizer(dir);
    if (t == null) {
      throw new IllegalArgumentException("model folder " + dir + " has no tokenizer ("
          + HuggingFaceCheckpoint.TOKENIZER_FILE + " or " + CorpusCharTokenizer.FILE
          + "); name one with --tokenizer");
    }
    return t;
  }

  /** Saves a tokenizer beside a model, when {@link HuggingFaceCheckpoint} could not. */
  static void saveIfChar(Tokenizer t, Path dir) throws IOException {
    if (t instanceof CorpusCharTokenizer c) {
      c.save(dir);
    }
  }
}
