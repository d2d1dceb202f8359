package dev.llmkit.examples;

import dev.llmkit.model.Models;
import dev.llmkit.model.generate.GenerationOptions;
import dev.llmkit.model.generate.Generator;
import dev.llmkit.model.nn.Transformer;
import dev.llmkit.sampling.SamplerConfig;
import dev.llmkit.sampling.SamplingContext;

/**
 * The dials of a sampler on one prompt: greedy, then temperature (low, high), top-k, top-p and
 * min-p, each with the same seed, so the only difference is the setting.
 *
 * <p>Run: {@code ./llm example sampling-dials}
 */
public final class SamplingDialsExample {

  public static void main(String[] args) throws Exception {
    Models.Ready stories = BundledData.stories260KReady();
    Transformer model = stories.model();
    String prompt = "Once upon a time, there was a dog";
    long seed = 7;
    Object[][] dials = {
      {"greedy (temperature 0)", SamplerConfig.builder().temperature(0f)},
      {"temperature 0.5", SamplerConfig.builder().temperature(0.5f)},
      {"temperature 1.5", SamplerConfig.builder().temperature(1.5f)},
      {"temperature 1.5, top-k 5", SamplerConfig.builder().temperature(1.5f).topK(5)},
      {"temperature 1.5, top-p 0.5", SamplerConfig.builder().temperature(1.5f).topP(0.5f)},
      {"temperature 1.5, min-p 0.2", SamplerConfig.builder().temperature(1.5f).minP(0.2f)},
    };
    System.out.println("prompt: " + prompt);
    for (Object[] dial : dials) {
      SamplerConfig.Builder b = (SamplerConfig.Builder) dial[1];
      Generator g = new Generator(model, stories.tokenizer(), b.seed(seed).buildSampler());
      String text = g.generate(prompt, GenerationOptions.maxTokens(40), new SamplingContext(seed),
          (id, t) -> {}).text();
      System.out.printf("%n[%s]%n%s%s%n", dial[0], prompt, text.replace("\n", " "));
    }
  }
}
