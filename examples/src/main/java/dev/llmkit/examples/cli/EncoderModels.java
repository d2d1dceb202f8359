package dev.llmkit.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmkit.model.bert.BertGguf;
import dev.llmkit.model.bert.BertModel;
import dev.llmkit.model.bert.BertPipeline;
import dev.llmkit.model.bert.OnnxBertImport;
import dev.llmkit.model.bert.Pooling;
import dev.llmkit.tokenizer.encoding.TemplateEncoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Encoder-only (BERT) models for the CLI: a Hugging Face folder whose config.json says
 * {@code "model_type": "bert"}, llama.cpp's {@code bert} GGUF, or a BERT ONNX export ({@code .onnx}, tokenizer from
 * {@code --tokenizer} or a {@code tokenizer.json} beside it).
 */
final class EncoderModels {

  private EncoderModels() {}

  /** True when {@code model} names an encoder this module loads. */
  static boolean isEncoder(String model) {
    Path p = Path.of(model);
    if (model.toLowerCase(Locale.ROOT).endsWith(".onnx")) {
      return true;
    }
    if (model.toLowerCase(Locale.ROOT).endsWith(".gguf") && Files.isRegularFile(p)) {
      return BertGguf.isBert(p);
    }
    Path config = p.resolve("config.json");
    if (!Files.isDirectory(p) || !Files.isRegularFile(config)) {
      return false;
    }
    try {
      return "bert".equals(new ObjectMapper().readTree(config.toFile()).path("model_type").asText());
    } catch (IOException e) {
      return false; // the decoder loader reports the bad file
    }
  }

  /** The encoder with its tokenizer. */
  static BertPipeline load(String model, Path tokenizer) throws IOException {
    Path p = Path.of(model);
    if (!Files.exists(p)) {
      throw new NoSuchFileException(model);
    }
    if (model.toLowerCase(Locale.ROOT).endsWith(".onnx")) {
      Path tok = tokenizer != null ? tokenizer : p.resolveSibling("tokenizer.json");
      if (!Files.isRegularFile(tok)) {
        throw new IllegalArgumentException("--tokenizer: an ONNX model needs a tokenizer.json (none beside "
            + p + ")");
      }
      return new BertPipeline(new BertModel(OnnxBertImport.read(p)), TemplateEncoder.load(tok),
          Pooling.MEAN, true);
    }
    BertPipeline pipeline = model.toLowerCase(Locale.ROOT).endsWith(".gguf")
        ? BertGguf.pipeline(p) : BertPipeline.load(p);
    if (tokenizer != null) {
      return new BertPipeline(pipeline.model(), TemplateEncoder.load(tokenizer), pipeline.pooling(),
          pipeline.normalizes());
    }
    return pipeline;
  }
}
