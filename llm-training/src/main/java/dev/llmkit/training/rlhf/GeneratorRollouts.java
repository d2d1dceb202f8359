package dev.llmkit.training.rlhf;

import dev.llmkit.model.LanguageModel;
import dev.llmkit.model.generate.Bos;
import dev.llmkit.model.generate.GenerationOptions;
import dev.llmkit.model.generate.GenerationResult;
import dev.llmkit.model.generate.Generator;
import dev.llmkit.sampling.Sampler;
import dev.llmkit.sampling.Samplers;
import dev.llmkit.sampling.SamplingContext;
import dev.llmkit.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * {@link PolicySampler} over today's sequential {@link Generator}: one generation per sample, from
 * the full softmax of the policy's logits (temperature 1, as PPO and GRPO assume: the rollouts are
 * drawn from the policy being optimised). The model must see the policy's parameters as they change
 * (a {@code Transformer} built with {@code DecodeMatrices.SHARED} over them).
 */
public final class GeneratorRollouts implements PolicySampler {

  private final LanguageModel model;
  private final Tokenizer tokenizer;
  private final int maxNewTokens;

  /**
   * @param model the policy (sharing the trained parameters)
   * @param tokenizer the policy's tokenizer
   * @param maxNewTokens the most ids a response may have ({@code >= 1})
   */
  public GeneratorRollouts(LanguageModel model, Tokenizer tokenizer, int maxNewTokens) {
    this.model = Objects.requireNonNull(model, "model");
    this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    if (maxNewTokens < 1) {
      throw new IllegalArgumentException("maxNewTokens must be >= 1, got " + maxNewTokens);
    }
    this.maxNewTokens = maxNewTokens;
  }

  /** The prompt ids the policy runs on: the tokenizer's ids with BOS in front when there is one. */
  public int[] promptIds(String prompt) {
    return Bos.prepend(model.config(), tokenizer, tokenizer.encode(prompt));
  }

  @Override
  public List<Rollout> sample(List<String> prompts, int k, long seed) {
    if (k < 1) {
      throw new IllegalArgumentException("samples per prompt must be >= 1, got " + k);
    }
    List<Rollout> out = new ArrayList<>(prompts.size() * k);
    GenerationOptions options = GenerationOptions.maxTokens(maxNewTokens);
    long j = 0;
    for (String prompt : prompts) {
      int[] ids = promptIds(prompt);
      for (int s = 0; s < k; s++) {
        float[][] logProbs = {new float[maxNewTokens]};
        int[] n = {0};
        Sampler inner = Samplers.random();
        Sampler recording = (logits, ctx) -> {
          // log softmax of the logits the token is drawn from (the sampler may change them in place)
          float max = Float.NEGATIVE_INFINITY;
          for (float l : logits) {
            max = Math.max(max, l);
          }
          double sum = 0;
          for (float l : logits) {
            sum += Math.exp(l - max);
          }
          float[] copy = logits.clone();
          int token = inner.sample(logits, ctx);
          if (n[0] < logProbs[0].length) {
            logProbs[0][n[0]++] = (float) (copy[token] - max - Math.log(sum));
          }
          return token;
        };
        GenerationResult r = new Generator(model, tokenizer, recording)
            .generate(ids, options, new SamplingContext(seed + j++), null);
        out.add(new Rollout(prompt, ids, r.tokens(), r.text(), Arrays.copyOf(logProbs[0], n[0])));
      }
    }
    return out;
  }
}
