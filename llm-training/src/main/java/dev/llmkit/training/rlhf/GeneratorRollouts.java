package dev.llmkit.training.rlhf;

import dev.llmkit.model.LanguageModel;
import dev.llmkit.model.generate.BatchGenerator;
import dev.llmkit.model.generate.BatchRequest;
import dev.llmkit.model.generate.BatchResult;
import dev.llmkit.model.generate.Bos;
import dev.llmkit.model.generate.GenerationOptions;
import dev.llmkit.model.generate.Generator;
import dev.llmkit.sampling.Samplers;
import dev.llmkit.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * {@link PolicySampler} over {@link BatchGenerator}: all {@code prompts × k} samples are generated
 * together, up to {@code maxBatch} sequences per batched forward step (the weights read once per
 * step for all of them), each drawn from the full softmax of the policy's logits (temperature 1, as
 * PPO and GRPO assume: the rollouts are drawn from the policy being optimised). Sample j (prompt by
 * prompt, k each) uses seed {@code seed + j}, so its tokens equal those of a sequential
 * {@link Generator} run with that seed. The model must see the policy's parameters as they change
 * (a {@code Transformer} built with {@code DecodeMatrices.SHARED} over them).
 */
public final class GeneratorRollouts implements PolicySampler {

  /** Sequences per batched step unless the constructor names another number. */
  public static final int DEFAULT_MAX_BATCH = 32;

  private final LanguageModel model;
  private final Tokenizer tokenizer;
  private final int maxNewTokens;
  private final int maxBatch;

  /**
   * Rollouts of at most {@link #DEFAULT_MAX_BATCH} sequences per batched step.
   *
   * @param model the policy (sharing the trained parameters)
   * @param tokenizer the policy's tokenizer
   * @param maxNewTokens the most ids a response may have ({@code >= 1})
   */
  public GeneratorRollouts(LanguageModel model, Tokenizer tokenizer, int maxNewTokens) {
    this(model, tokenizer, maxNewTokens, DEFAULT_MAX_BATCH);
  }

  /**
   * @param model the policy (sharing the trained parameters)
   * @param tokenizer the policy's tokenizer
   * @param maxNewTokens the most ids a response may have ({@code >= 1})
   * @param maxBatch the most sequences advanced together ({@code >= 1}; 1 is sequential generation)
   */
  public GeneratorRollouts(LanguageModel model, Tokenizer tokenizer, int maxNewTokens, int maxBatch) {
    this.model = Objects.requireNonNull(model, "model");
    this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    if (maxNewTokens < 1) {
      throw new IllegalArgumentException("maxNewTokens must be >= 1, got " + maxNewTokens);
    }
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
    }
    this.maxNewTokens = maxNewTokens;
    this.maxBatch = maxBatch;
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
    GenerationOptions options = GenerationOptions.maxTokens(maxNewTokens);
    List<BatchRequest> requests = new ArrayList<>(prompts.size() * k);
    List<int[]> ids = new ArrayList<>(prompts.size());
    long j = 0;
    for (String prompt : prompts) {
      int[] p = promptIds(prompt);
      ids.add(p);
      for (int s = 0; s < k; s++) {
        requests.add(BatchRequest.of(p, options, Samplers.random(), seed + j++));
      }
    }
    // logprobs: log softmax of the raw logits each token was drawn from
    List<BatchResult> results = new BatchGenerator(model, tokenizer).generate(requests, maxBatch);
    List<Rollout> out = new ArrayList<>(requests.size());
    for (int i = 0; i < results.size(); i++) {
      BatchResult r = results.get(i);
      out.add(new Rollout(prompts.get(i / k), ids.get(i / k), r.generation().tokens(),
          r.generation().text(), r.logprobs()));
    }
    return out;
  }
}
