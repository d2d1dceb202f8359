package dev.llmkit.training.rlhf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.generate.Bos;
import dev.llmkit.model.io.CheckpointFormatException;
import dev.llmkit.model.io.TensorLoader;
import dev.llmkit.model.io.TensorSource;
import dev.llmkit.model.io.hf.Gpt2Weights;
import dev.llmkit.model.io.hf.HfConfig;
import dev.llmkit.model.io.hf.HfFamily;
import dev.llmkit.model.io.hf.HuggingFaceCheckpoint;
import dev.llmkit.model.io.hf.LlamaWeights;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.training.finetune.TokenizedExample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A reward model: a transformer with a scalar head read at the last token of prompt + response
 * (Hugging Face {@code AutoModelForSequenceClassification} with one label: the backbone, then
 * {@code score.weight} (1, C) on the final-normed hidden state of the last non-padding token).
 *
 * <p>A sequence is BOS (when the tokenizer or model has one), the prompt ids, the response ids and
 * the end-of-sequence id when the tokenizer has one. Saved as a Hugging Face folder: the backbone's
 * tensors under their usual names, {@code score.weight}, a {@code config.json} whose architecture is
 * {@code LlamaForSequenceClassification} (or {@code GPT2ForSequenceClassification}) with one label,
 * and {@code tokenizer.json}. An untied LM head is kept in the file (unused) so the folder also loads
 * as the causal LM it was made from.
 *
 * <p>Not thread-safe: scoring reuses buffers.
 */
public final class RewardModel implements RewardFunction {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int SCORING_BATCH = 8;

  private final ModelWeights backbone;
  private final Tensor score;
  private final Tokenizer tokenizer;
  private final Map<Integer, ScalarHeadModel> scorers = new LinkedHashMap<>();

  /**
   * A reward model over the given tensors (kept, not copied).
   *
   * @param backbone the transformer
   * @param score the head (1, C)
   * @param tokenizer the tokenizer the backbone was trained with
   */
  public RewardModel(ModelWeights backbone, Tensor score, Tokenizer tokenizer) {
    this.backbone = Objects.requireNonNull(backbone, "backbone");
    this.score = Objects.requireNonNull(score, "score");
    this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    if (score.rank() != 2 || score.dim(0) != 1 || score.dim(1) != backbone.config().dim()) {
      throw new IllegalArgumentException(ScalarHeadModel.SCORE + " must have shape [1, "
          + backbone.config().dim() + "], got " + score.shapeString());
    }
  }

  /**
   * A new reward model from a base language model, as {@code from_pretrained} of a causal LM into
   * a sequence classifier does: a copy of the base's weights and a new head, normal(0, 0.02).
   */
  public static RewardModel fromBase(ModelWeights base, Tokenizer tokenizer, long seed) {
    return new RewardModel(Policies.copyOf(base), ScalarHeadModel.initScore(base.config(), seed, 0.02f),
        tokenizer);
  }

  /** The transformer. */
  public ModelWeights backbone() {
    return backbone;
  }

  /** The head (1, C). */
  public Tensor score() {
    return score;
  }

  /** The tokenizer. */
  public Tokenizer tokenizer() {
    return tokenizer;
  }

  /** The backbone's configuration. */
  public ModelConfig config() {
    return backbone.config();
  }

  /**
   * The sequence this model scores: BOS, prompt, response, EOS (see the class comment); {@code
   * promptLength} counts BOS and the prompt.
   *
   * @throws IllegalArgumentException when the response gives no tokens or the sequence is longer
   *     than the context length
   */
  public TokenizedExample encode(String prompt, String response) {
    int[] p = Bos.prepend(config(), tokenizer, tokenizer.encode(prompt));
    int[] r = tokenizer.encode(response);
    if (r.length == 0) {
      throw new IllegalArgumentException("the response to " + abbreviate(prompt) + " gives no tokens");
    }
    int eos = tokenizer.eosId().isPresent() ? 1 : 0;
    int[] ids = new int[p.length + r.length + eos];
    System.arraycopy(p, 0, ids, 0, p.length);
    System.arraycopy(r, 0, ids, p.length, r.length);
    if (eos == 1) {
      ids[ids.length - 1] = tokenizer.eosId().getAsInt();
    }
    if (ids.length > config().contextLength()) {
      throw new IllegalArgumentException("prompt + response " + abbreviate(prompt) + " have "
          + ids.length + " tokens, more than the reward model's context length " + config().contextLength());
    }
    return new TokenizedExample(ids, p.length);
  }

  /**
   * Checks that this model reads text as the policy does: same vocabulary size, the same text for
   * every id, the same end-of-sequence id (RLHF scores the policy's responses, so both must agree).
   *
   * @throws IllegalArgumentException naming the first difference
   */
  public void requireSameTokenizer(Tokenizer policyTokenizer) {
    if (policyTokenizer.vocabSize() != tokenizer.vocabSize()) {
      throw new IllegalArgumentException("the reward model's tokenizer differs from the policy's: "
          + tokenizer.vocabSize() + " ids against " + policyTokenizer.vocabSize());
    }
    if (!policyTokenizer.eosId().equals(tokenizer.eosId())) {
      throw new IllegalArgumentException("the reward model's tokenizer differs from the policy's: "
          + "end-of-sequence id " + tokenizer.eosId() + " against " + policyTokenizer.eosId());
    }
    for (int i = 0; i < tokenizer.vocabSize(); i++) {
      String a = tokenizer.decode(new int[] {i});
      String b = policyTokenizer.decode(new int[] {i});
      if (!a.equals(b)) {
        throw new IllegalArgumentException("the reward model's tokenizer differs from the policy's: id "
            + i + " is " + abbreviate(a) + " against " + abbreviate(b));
      }
    }
  }

  @Override
  public double reward(String prompt, String response) {
    return score(List.of(encode(prompt, response)))[0];
  }

  @Override
  public double[] rewards(List<String> prompts, List<String> responses) {
    if (prompts.size() != responses.size()) {
      throw new IllegalArgumentException(prompts.size() + " prompts but " + responses.size() + " responses");
    }
    List<TokenizedExample> seqs = new ArrayList<>(prompts.size());
    for (int i = 0; i < prompts.size(); i++) {
      seqs.add(encode(prompts.get(i), responses.get(i)));
    }
    return score(seqs);
  }

  /** The reward of each sequence: the score at its last token. Batched, in sequences of one shape. */
  public double[] score(List<TokenizedExample> sequences) {
    double[] out = new double[sequences.size()];
    int longest = 1;
    for (TokenizedExample s : sequences) {
      longest = Math.max(longest, s.ids().length);
    }
    int block = blockFor(longest, config().contextLength());
    ScalarHeadModel net = scorers.computeIfAbsent(block,
        b -> new ScalarHeadModel(backbone, score, SCORING_BATCH, b));
    int[] ids = new int[SCORING_BATCH * block];
    for (int start = 0; start < out.length; start += SCORING_BATCH) {
      java.util.Arrays.fill(ids, 0);
      int n = Math.min(SCORING_BATCH, out.length - start);
      for (int i = 0; i < n; i++) {
        int[] s = sequences.get(start + i).ids();
        System.arraycopy(s, 0, ids, i * block, s.length);
      }
      float[] scores = net.forward(ids);
      for (int i = 0; i < n; i++) {
        out[start + i] = scores[i * block + sequences.get(start + i).ids().length - 1];
      }
    }
    return out;
  }

  /** The block of a batch whose longest row has {@code longest} ids: a multiple of 32, within the context. */
  static int blockFor(int longest, int contextLength) {
    return Math.min(contextLength, (longest + 31) / 32 * 32);
  }

  /**
   * Saves a Hugging Face folder (see the class comment).
   *
   * @throws IOException when a file cannot be written
   */
  public void save(Path dir) throws IOException {
    HuggingFaceCheckpoint.save(dir, backbone, tokenizer, HuggingFaceCheckpoint.DEFAULT_MAX_SHARD_BYTES,
        Map.of(ScalarHeadModel.SCORE, score));
    HfFamily family = HfFamily.of(config());
    ObjectNode cfg = HfConfig.toJson(config());
    ArrayNode arch = cfg.putArray("architectures");
    arch.add(architecture(family));
    ObjectNode id2label = cfg.putObject("id2label");
    id2label.put("0", "LABEL_0");
    cfg.putObject("label2id").put("LABEL_0", 0);
    int pad = tokenizer.eosId().isPresent() ? tokenizer.eosId().getAsInt() : 0;
    cfg.put("pad_token_id", pad);
    Files.write(dir.resolve(HfConfig.FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(cfg));
  }

  /** {@code LlamaForSequenceClassification} or {@code GPT2ForSequenceClassification}. */
  static String architecture(HfFamily family) {
    return family == HfFamily.GPT2 ? "GPT2ForSequenceClassification" : "LlamaForSequenceClassification";
  }

  /**
   * Loads a folder written by {@link #save} (or by {@code save_pretrained} of a one-label
   * {@code *ForSequenceClassification} with a tokenizer.json).
   *
   * @throws CheckpointFormatException when the folder has no {@code score.weight} of shape (1, C),
   *     or is no Hugging Face folder
   * @throws IllegalArgumentException when the folder has no tokenizer.json
   */
  public static RewardModel load(Path dir) throws IOException {
    Path cfgFile = dir.resolve(HfConfig.FILE);
    if (!Files.isRegularFile(cfgFile)) {
      throw new CheckpointFormatException(dir, "is not a reward model folder: no " + HfConfig.FILE);
    }
    HfConfig cfg = HfConfig.read(cfgFile);
    ModelWeights w;
    Tensor head;
    try (TensorSource src = HuggingFaceCheckpoint.openTensors(dir)) {
      TensorLoader in = new TensorLoader(src);
      if (!in.has(ScalarHeadModel.SCORE)) {
        throw new CheckpointFormatException(dir, "holds no " + ScalarHeadModel.SCORE
            + ": it is a language model, not a reward model (train one with llm reward-train)");
      }
      w = switch (cfg.family()) {
        case GPT2 -> Gpt2Weights.load(in, cfg.config());
        case LLAMA -> LlamaWeights.load(in, cfg.config());
        default -> throw new CheckpointFormatException(dir, "is a " + cfg.family()
            + " reward model; reward models are read for GPT-2 and Llama backbones");
      };
      head = in.load(ScalarHeadModel.SCORE, 1, cfg.config().dim());
    }
    Tokenizer tok = HuggingFaceCheckpoint.loadTokenizer(dir);
    if (tok == null) {
      throw new IllegalArgumentException(dir + " holds no " + HuggingFaceCheckpoint.TOKENIZER_FILE
          + ": a reward model needs the tokenizer it was trained with");
    }
    return new RewardModel(w, head, tok);
  }

  static String abbreviate(String s) {
    return s.length() <= 40 ? '"' + s + '"' : '"' + s.substring(0, 40) + "...\"";
  }
}
