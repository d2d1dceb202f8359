package dev.llmkit.examples;

import dev.llmkit.model.generate.GenerationOptions;
import dev.llmkit.model.generate.Generator;
import dev.llmkit.model.io.LoadedModel;
import dev.llmkit.model.nn.Transformer;
import dev.llmkit.sampling.LogitsProcessor;
import dev.llmkit.sampling.Sampler;
import dev.llmkit.sampling.SamplerConfig;
import dev.llmkit.sampling.Samplers;
import dev.llmkit.sampling.SamplingContext;
import dev.llmkit.tokenizer.Tokenizer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A custom sampler as a user would write it: a {@link LogitsProcessor} that forbids words, put in
 * front of the usual chain and plugged into a {@link Generator} on the bundled pretrained
 * stories260K. The greedy story names its heroine Lily; with the processor she gets another name.
 *
 * <p>Run: {@code ./llm example custom-sampler}
 */
public final class CustomSamplerExample {

  /**
   * A processor that forbids words: every token whose text (spaces trimmed) starts one of the words
   * gets the logit -Infinity, so no later step can bring it back and no draw picks it. Stateless, so
   * one instance serves every generation.
   */
  public static final class ForbiddenWords implements LogitsProcessor {
    private final int[] ids;

    /** Forbids {@code words} in the vocabulary of {@code tokenizer}. */
    public ForbiddenWords(Tokenizer tokenizer, Set<String> words) {
      TreeSet<Integer> found = new TreeSet<>();
      for (int id = 0; id < tokenizer.vocabSize(); id++) {
        String text = tokenizer.decode(id).strip();
        for (String w : words) {
          if (text.length() >= 2 && w.startsWith(text)) {
            found.add(id);
          }
        }
      }
      ids = found.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public void process(float[] logits, SamplingContext context) {
      for (int id : ids) {
        logits[id] = Float.NEGATIVE_INFINITY;
      }
    }

    @Override
    public String toString() {
      return "forbidden-words(" + ids.length + " tokens)";
    }
  }

  /**
   * The story the model tells after {@code prompt}: greedy (temperature 0, so every run gives the
   * same text), with {@code processor} in front of the chain when not null.
   */
  public static String story(LoadedModel stories, String prompt, LogitsProcessor processor) {
    SamplerConfig config = SamplerConfig.builder().temperature(0f).build();
    List<LogitsProcessor> chain = new ArrayList<>(config.processors());
    if (processor != null) {
      chain.add(0, processor);
    }
    Sampler sampler = Samplers.chain(Samplers.greedy(), chain);
    Generator generator = new Generator(new Transformer(stories.weights()), stories.tokenizer(), sampler);
    return generator.generate(prompt, GenerationOptions.maxTokens(60), config.newContext(), null).text();
  }

  public static void main(String[] args) throws IOException {
    LoadedModel stories = BundledData.stories260K();
    String prompt = "Once upon a time";
    ForbiddenWords noLily = new ForbiddenWords(stories.tokenizer(), Set.of("Lily"));
    System.out.println("processor: " + noLily);
    System.out.println("-- the usual chain --");
    System.out.println(prompt + story(stories, prompt, null));
    System.out.println("-- with the forbidden word in front of it --");
    System.out.println(prompt + story(stories, prompt, noLily));
  }
}
