package dev.llmkit.sampling;

import dev.llmkit.sampling.processors.BannedTokens;
import dev.llmkit.sampling.processors.FrequencyPresencePenalty;
import dev.llmkit.sampling.processors.LogitBias;
import dev.llmkit.sampling.processors.MinP;
import dev.llmkit.sampling.processors.RepetitionPenalty;
import dev.llmkit.sampling.processors.Temperature;
import dev.llmkit.sampling.processors.TopK;
import dev.llmkit.sampling.processors.TopP;
import dev.llmkit.sampling.processors.TypicalP;
import dev.llmkit.sampling.processors.Validation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The usual sampling settings, validated when built, and the sampler they make.
 *
 * <pre>{@code
 * SamplerConfig config = SamplerConfig.builder().temperature(0.8f).topK(40).topP(0.95f).seed(42).build();
 * Sampler sampler = config.sampler();               // shareable between generations
 * SamplingContext context = config.newContext();    // one per generation
 * int token = sampler.sample(logits, context);
 * context.accept(token);
 * }</pre>
 *
 * <p>Each setting has a value that disables it: temperature 1, top-k 0, top-p 1, min-p 0,
 * typical-p 1, repetition penalty 1, frequency and presence penalties 0, no bias, no banned tokens.
 * Temperature 0 means greedy: the penalties, bias and bans still apply, then the most likely token
 * is chosen (the filters are skipped: they always keep that token).
 *
 * @param temperature T, finite and {@code >= 0}; 0 means greedy
 * @param topK keep the k most likely tokens, {@code >= 0}; 0 disables
 * @param topP keep the smallest set of most likely tokens with probability {@code >= p}, in (0, 1]
 * @param minP drop tokens below {@code minP * p_max}, in [0, 1]
 * @param typicalP locally typical sampling mass, in (0, 1]
 * @param repetitionPenalty Hugging Face repetition penalty, finite and {@code > 0}
 * @param frequencyPenalty OpenAI frequency penalty, finite
 * @param presencePenalty OpenAI presence penalty, finite
 * @param penaltyWindow how many of the latest tokens the penalties see, {@code >= 0}; 0: all
 * @param logitBias token id to an amount added to its logit (finite or {@code -Infinity})
 * @param bannedTokens token ids that are never chosen
 * @param order the order of the processors
 * @param seed the seed of {@link #newContext()}
 */
public record SamplerConfig(
    float temperature,
    int topK,
    float topP,
    float minP,
    float typicalP,
    float repetitionPenalty,
    float frequencyPenalty,
    float presencePenalty,
    int penaltyWindow,
    Map<Integer, Float> logitBias,
    List<Integer> bannedTokens,
    SamplingOrder order,
    long seed) {

  /**
   * Validates every setting.
   *
   * @throws IllegalArgumentException naming the first invalid setting and what was expected
   */
  public SamplerConfig {
    Validation.temperature(temperature);
    Validation.topK(topK);
    Validation.massInUnitInterval("top-p", topP);
    Validation.minP(minP);
    Validation.massInUnitInterval("typical-p", typicalP);
    Validation.positivePenalty("repetition penalty", repetitionPenalty);
    Validation.additivePenalty("frequency penalty", frequencyPenalty);
    Validation.additivePenalty("presence penalty", presencePenalty);
    if (penaltyWindow < 0) {
      throw new IllegalArgumentException(
          "penalty window is " + penaltyWindow + "; expected an integer >= 0 (0: the whole history)");
    }
    if (order == null) {
      throw new IllegalArgumentException("order is null; expected a SamplingOrder");
    }
    logitBias = logitBias == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(logitBias));
    new LogitBias(logitBias); // validates ids and values
    bannedTokens = bannedTokens == null ? List.of() : new ArrayList<>(bannedTokens);
    for (Integer t : bannedTokens) {
      if (t == null || t < 0) {
        throw new IllegalArgumentException("banned token " + t + " is not a token id; expected an id >= 0");
      }
    }
    bannedTokens = Collections.unmodifiableList(bannedTokens);
  }

  /** A builder with every setting disabled (pure random sampling at temperature 1), seed 0. */
  public static Builder builder() {
    return new Builder();
  }

  /** The default settings: plain sampling from the model's distribution at temperature 1. */
  public static SamplerConfig defaults() {
    return builder().build();
  }

  /** A builder starting from these settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.temperature = temperature;
    b.topK = topK;
    b.topP = topP;
    b.minP = minP;
    b.typicalP = typicalP;
    b.repetitionPenalty = repetitionPenalty;
    b.frequencyPenalty = frequencyPenalty;
    b.presencePenalty = presencePenalty;
    b.penaltyWindow = penaltyWindow;
    b.logitBias = new TreeMap<>(logitBias);
    b.bannedTokens = new ArrayList<>(bannedTokens);
    b.order = order;
    b.seed = seed;
    return b;
  }

  /** A new context for one generation, seeded with {@link #seed()}. */
  public SamplingContext newContext() {
    return new SamplingContext(seed);
  }

  /**
   * The enabled processors in this configuration's order (without the final choice). Useful to build
   * a custom chain: insert a processor of your own and pass the list to {@link Samplers#chain}.
   */
  public List<LogitsProcessor> processors() {
    List<LogitsProcessor> out = new ArrayList<>();
    if (!logitBias.isEmpty()) {
      out.add(new LogitBias(logitBias));
    }
    if (!bannedTokens.isEmpty()) {
      out.add(new BannedTokens(bannedTokens.stream().mapToInt(Integer::intValue).toArray()));
    }
    if (repetitionPenalty != 1f) {
      out.add(new RepetitionPenalty(repetitionPenalty, penaltyWindow));
    }
    if (frequencyPenalty != 0f || presencePenalty != 0f) {
      out.add(new FrequencyPresencePenalty(frequencyPenalty, presencePenalty, penaltyWindow));
    }
    if (temperature == 0f) {
      return out; // greedy: the filters always keep the most likely token, so they are skipped
    }
    List<LogitsProcessor> filters = new ArrayList<>();
    if (topK > 0) {
      filters.add(new TopK(topK));
    }
    if (order == SamplingOrder.HUGGING_FACE) {
      if (topP < 1f) {
        filters.add(new TopP(topP));
      }
      if (minP > 0f) {
        filters.add(new MinP(minP));
      }
      if (typicalP < 1f) {
        filters.add(new TypicalP(typicalP));
      }
    } else {
      if (typicalP < 1f) {
        filters.add(new TypicalP(typicalP));
      }
      if (topP < 1f) {
        filters.add(new TopP(topP));
      }
      if (minP > 0f) {
        filters.add(new MinP(minP));
      }
    }
    boolean scale = temperature != 1f;
    if (scale && order == SamplingOrder.HUGGING_FACE) {
      out.add(new Temperature(temperature));
    }
    out.addAll(filters);
    if (scale && order == SamplingOrder.LLAMA_CPP) {
      out.add(new Temperature(temperature));
    }
    return out;
  }

  /**
   * The sampler of this configuration — the one way from a {@code SamplerConfig} to a
   * {@link Sampler}: {@link #processors()} in front of a random draw, or of the greedy choice when
   * the temperature is 0. The sampler is stateless and can serve many generations.
   *
   * @return the sampler
   */
  public Sampler sampler() {
    return Samplers.chain(temperature == 0f ? Samplers.greedy() : Samplers.random(), processors());
  }

  /**
   * The same as {@link #sampler()}, whose name does not read like {@link Builder#build()}.
   *
   * @return the sampler
   * @deprecated use {@link #sampler()}
   */
  @Deprecated
  public Sampler build() {
    return sampler();
  }

  /** Builds a {@link SamplerConfig}; every setter checks its value only when {@link #build()} runs. */
  public static final class Builder {
    private float temperature = 1f;
    private int topK = 0;
    private float topP = 1f;
    private float minP = 0f;
    private float typicalP = 1f;
    private float repetitionPenalty = 1f;
    private float frequencyPenalty = 0f;
    private float presencePenalty = 0f;
    private int penaltyWindow = 0;
    private Map<Integer, Float> logitBias = new TreeMap<>();
    private List<Integer> bannedTokens = new ArrayList<>();
    private SamplingOrder order = SamplingOrder.HUGGING_FACE;
    private long seed = 0L;

    private Builder() {}

    /**
     * Sets the temperature (1 disables scaling, 0 means greedy).
     *
     * @param t the temperature
     * @return this builder
     */
    public Builder temperature(float t) {
      this.temperature = t;
      return this;
    }

    /**
     * Sets top-k (0 disables it).
     *
     * @param k the number of tokens kept
     * @return this builder
     */
    public Builder topK(int k) {
      this.topK = k;
      return this;
    }

    /**
     * Sets top-p (1 disables it).
     *
     * @param p the probability mass kept
     * @return this builder
     */
    public Builder topP(float p) {
      this.topP = p;
      return this;
    }

    /**
     * Sets min-p (0 disables it).
     *
     * @param p the fraction of the top probability a token needs
     * @return this builder
     */
    public Builder minP(float p) {
      this.minP = p;
      return this;
    }

    /**
     * Sets typical-p (1 disables it).
     *
     * @param p the probability mass kept
     * @return this builder
     */
    public Builder typicalP(float p) {
      this.typicalP = p;
      return this;
    }

    /**
     * Sets the repetition penalty (1 disables it).
     *
     * @param penalty the penalty
     * @return this builder
     */
    public Builder repetitionPenalty(float penalty) {
      this.repetitionPenalty = penalty;
      return this;
    }

    /**
     * Sets the frequency penalty (0 disables it).
     *
     * @param penalty the penalty
     * @return this builder
     */
    public Builder frequencyPenalty(float penalty) {
      this.frequencyPenalty = penalty;
      return this;
    }

    /**
     * Sets the presence penalty (0 disables it).
     *
     * @param penalty the penalty
     * @return this builder
     */
    public Builder presencePenalty(float penalty) {
      this.presencePenalty = penalty;
      return this;
    }

    /**
     * Sets how many of the latest tokens the penalties see (0: the whole history).
     *
     * @param window the window
     * @return this builder
     */
    public Builder penaltyWindow(int window) {
      this.penaltyWindow = window;
      return this;
    }

    /**
     * Adds a bias to one token's logit ({@code -Infinity} bans it).
     *
     * @param token the token id
     * @param bias the amount added
     * @return this builder
     */
    public Builder logitBias(int token, float bias) {
      this.logitBias.put(token, bias);
      return this;
    }

    /**
     * Bans tokens.
     *
     * @param tokens the token ids
     * @return this builder
     */
    public Builder ban(int... tokens) {
      for (int t : tokens) {
        this.bannedTokens.add(t);
      }
      return this;
    }

    /**
     * Sets the order of the processors.
     *
     * @param order the order
     * @return this builder
     */
    public Builder order(SamplingOrder order) {
      this.order = order;
      return this;
    }

    /**
     * Sets the seed of {@link SamplerConfig#newContext()}.
     *
     * @param seed the seed
     * @return this builder
     */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Validates the settings.
     *
     * @return the configuration
     * @throws IllegalArgumentException naming the first invalid setting
     */
    public SamplerConfig build() {
      return new SamplerConfig(
          temperature, topK, topP, minP, typicalP, repetitionPenalty, frequencyPenalty,
          presencePenalty, penaltyWindow, logitBias, bannedTokens, order, seed);
    }

    /**
     * Validates the settings and builds the sampler ({@code build().sampler()}).
     *
     * @return the sampler
     * @throws IllegalArgumentException naming the first invalid setting
     */
    public Sampler buildSampler() {
      return build().sampler();
    }
  }

  @Override
  public String toString() {
    return "SamplerConfig[temperature=" + temperature + ", topK=" + topK + ", topP=" + topP
        + ", minP=" + minP + ", typicalP=" + typicalP + ", repetitionPenalty=" + repetitionPenalty
        + ", frequencyPenalty=" + frequencyPenalty + ", presencePenalty=" + presencePenalty
        + ", penaltyWindow=" + penaltyWindow + ", logitBias=" + logitBias + ", bannedTokens="
        + bannedTokens + ", order=" + order + ", seed=" + seed + "]";
  }

}
