package dev.llmkit.examples;

import dev.llmkit.sampling.Choice;
import dev.llmkit.sampling.LogitsProcessor;
import dev.llmkit.sampling.Sampler;
import dev.llmkit.sampling.SamplerConfig;
import dev.llmkit.sampling.Samplers;
import dev.llmkit.sampling.SamplingContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * A custom sampler as a user would write it, with llm-sampling alone: a {@link LogitsProcessor}
 * that forbids a list of words, put into the usual chain (temperature, top-k, top-p), and the
 * top-N report that shows why a word was chosen.
 *
 * <p>Run: {@code java -cp "examples/target/llm.jar:examples/target/lib/*"
 * dev.llmkit.examples.CustomSamplerExample}
 */
public final class CustomSamplerExample {

  /** A tiny vocabulary: the id of a word is its position. */
  static final String[] VOCAB = {
    "the", "cat", "dog", "sat", "on", "mat", "darn", "heck", "quietly", "."
  };

  /**
   * A processor that forbids words: their logits become -Infinity, so no later step can bring them
   * back and the draw never picks them. Stateless, so one instance serves every generation.
   */
  static final class ForbiddenWords implements LogitsProcessor {
    private final int[] ids;

    ForbiddenWords(Set<String> words, String[] vocab) {
      List<String> v = Arrays.asList(vocab);
      this.ids = words.stream().mapToInt(v::indexOf).filter(i -> i >= 0).toArray();
    }

    @Override
    public void process(float[] logits, SamplingContext context) {
      for (int id : ids) {
        logits[id] = Float.NEGATIVE_INFINITY;
      }
    }

    @Override
    public String toString() {
      return "forbidden-words(" + ids.length + ")";
    }
  }

  public static void main(String[] args) {
    // the model's logits for the next word (hard-coded here; a model would compute them)
    float[] logits = {0.5f, 2.0f, 1.8f, 0.1f, -0.3f, 1.2f, 2.4f, 1.9f, 0.7f, -1.0f};

    // start from the usual settings, then insert our processor first in the chain
    SamplerConfig config = SamplerConfig.builder().temperature(0.8f).topK(5).topP(0.9f).seed(7).build();
    List<LogitsProcessor> chain = new ArrayList<>(config.processors());
    chain.add(0, new ForbiddenWords(Set.of("darn", "heck"), VOCAB));
    Sampler sampler = Samplers.chain(Samplers.random(), chain);
    System.out.println("chain: " + sampler);

    SamplingContext context = config.newContext();
    StringBuilder text = new StringBuilder();
    for (int step = 0; step < 5; step++) {
      int token = sampler.sample(logits.clone(), context); // the sampler may modify its input
      context.accept(token);
      Choice choice = context.lastChoice();
      text.append(VOCAB[token]).append(' ');
      System.out.printf("step %d: chose %-8s p=%.3f logp=%.3f   candidates:", step, VOCAB[token],
          choice.probability(), choice.logProbability());
      for (Choice c : context.topCandidates(3)) {
        System.out.printf(" %s=%.3f", VOCAB[c.token()], c.probability());
      }
      System.out.println();
    }
    System.out.println("text: " + text.toString().trim());
  }
}
