package dev.llmkit.examples.cli;

import dev.llmkit.model.bert.BertCheckpoint;
import dev.llmkit.model.bert.BertWeights;
import dev.llmkit.model.bert.OnnxBertImport;
import dev.llmkit.model.bert.Pooling;
import dev.llmkit.tokenizer.encoding.TemplateEncoder;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * {@code llm convert --model model.onnx}: a BERT-family ONNX export to a Hugging Face folder
 * (config.json, model.safetensors, tokenizer.json when given; sentence-transformers files for mean
 * pooling with normalisation, as all-MiniLM-L6-v2 and most ONNX sentence encoders are used).
 */
final class OnnxConvert {

  private OnnxConvert() {}

  static int run(Path onnx, Path tokenizer, Path out, PrintWriter o) throws IOException {
    BertWeights w = OnnxBertImport.read(onnx);
    if (tokenizer != null) {
      TemplateEncoder.load(tokenizer); // refuse a tokenizer this library cannot read, before writing
    }
    BertCheckpoint.save(out, w, Pooling.MEAN, true);
    if (tokenizer != null) {
      String name = tokenizer.getFileName().toString().endsWith(".json") ? "tokenizer.json" : "vocab.txt";
      Files.copy(tokenizer, out.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }
    long params = BertCheckpoint.toHf(w).values().stream().mapToLong(t -> t.length()).sum();
    o.printf("format onnx%n");
    o.printf("parameters %d%n", params);
    ConvertCommand.printWritten(out, o);
    return 0;
  }
}
