package dev.llmkit.examples;

import dev.llmkit.model.generate.GenerationOptions;
import dev.llmkit.model.Models;
import dev.llmkit.model.generate.Generator;
import dev.llmkit.model.io.Checkpoints;
import dev.llmkit.model.io.LoadedModel;
import dev.llmkit.sampling.Samplers;
import dev.llmkit.sampling.SamplingContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Loading a Hugging Face checkpoint folder ({@code config.json} + {@code model.safetensors} +
 * {@code tokenizer.json}) and generating from it. With a folder argument it loads that folder;
 * without one it first writes the bundled stories260K in that layout (the library's own save
 * format), so the example runs offline.
 *
 * <p>Run: {@code ./llm example huggingface [FOLDER]}
 */
public final class HuggingFaceExample {

  public static void main(String[] args) throws Exception {
    Path dir;
    if (args.length > 0) {
      dir = Path.of(args[0]);
    } else {
      dir = Files.createTempDirectory("stories260K-hf");
      LoadedModel stories = BundledData.stories260K();
      Checkpoints.saveHuggingFace(dir, stories.weights(), stories.tokenizer());
      System.out.println("wrote the bundled stories260K as a Hugging Face folder: " + dir);
    }
    try (Stream<Path> files = Files.list(dir)) {
      files.sorted().forEach(f -> System.out.printf("  %-28s %,d bytes%n", f.getFileName(), f.toFile().length()));
    }

    // one call: the model ready to run, with its tokenizer
    Models.Ready ready = Models.load(dir);
    System.out.println("config: " + ready.model().config());
    Generator generator = ready.generator(Samplers.greedy());
    String prompt = "Once upon a time";
    System.out.print("\n" + prompt);
    generator.generate(prompt, GenerationOptions.maxTokens(60), new SamplingContext(0),
        (id, text) -> System.out.print(text));
    System.out.println();
  }
}
