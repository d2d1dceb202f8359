package dev.llmkit.examples.cli;

import dev.llmkit.model.Models;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.training.checkpoint.HuggingFaceModelStore;
import dev.llmkit.training.optim.AdamWConfig;
import dev.llmkit.training.rlhf.GeneratorRollouts;
import dev.llmkit.training.rlhf.GroupRelativePolicyOptimization;
import dev.llmkit.training.rlhf.GrpoConfig;
import dev.llmkit.training.rlhf.Policies;
import dev.llmkit.training.rlhf.PpoConfig;
import dev.llmkit.training.rlhf.ProximalPolicyOptimization;
import dev.llmkit.training.rlhf.RewardModel;
import dev.llmkit.training.rlhf.RlhfEvaluation;
import dev.llmkit.training.rlhf.RlhfStep;
import dev.llmkit.training.schedule.LearningRateSchedule;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code llm rlhf}: PPO or GRPO of a policy against a reward model. */
@Command(
    name = "rlhf",
    mixinStandardHelpOptions = true,
    header = "Optimise a policy against a reward model with PPO or GRPO.",
    description = {
      "Reinforcement learning from human feedback: --method grpo (k samples per prompt, group-normalised",
      "advantages, k3 KL to the reference) or --method ppo (TRL's PPO: per-token KL penalty, a value model",
      "initialised from the reward model, GAE, clipped policy and value losses). The reference is a frozen",
      "copy of the starting policy. The last --held-out share of the prompts is never trained on; on it",
      "prints mean_reward_before X, mean_reward_after Y and kl_to_reference Z (per response). Progress on",
      "stderr. Saves the policy as a Hugging Face folder."
    })
public final class RlhfCommand implements Callable<Integer> {

  /** Policy optimisers. */
  public enum Method {
    /** Proximal Policy Optimization. */
    ppo,
    /** Group Relative Policy Optimization. */
    grpo
  }

  @Spec CommandSpec spec;

  @Option(names = "--method", required = true, description = "ppo or grpo.")
  Method method;

  @Option(names = "--policy", required = true, paramLabel = "DIR",
      description = "The starting policy: a Hugging Face folder, a llama2.c .bin, or bundled:stories260K.")
  String policy;

  @Option(names = "--reward-model", required = true, paramLabel = "RM", description = "Reward model folder (llm reward-train).")
  Path rewardModel;

  @Option(names = "--prompts", required = true, paramLabel = "FILE", description = "Prompts, one per line.")
  Path prompts;

  @Option(names = "--steps", required = true, description = "Rollout batches.")
  long steps;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the trained policy.")
  Path out;

  @Option(names = "--samples", defaultValue = "8", description = "GRPO: responses per prompt, k (default: ${DEFAULT-VALUE}).")
  int samples;

  @Option(names = "--batch", defaultValue = "4",
      description = "Prompts per step (PPO: responses per step, in 2 minibatches when even) (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--max-tokens", defaultValue = "48", description = "New tokens per response at most (default: ${DEFAULT-VALUE}).")
  int maxTokens;

  @Option(names = "--lr", defaultValue = "3e-4", description = "Learning rate, constant (default: ${DEFAULT-VALUE}).")
  double lr;

  @Option(names = "--beta", defaultValue = "0.1", description = "GRPO: k3 KL coefficient (default: ${DEFAULT-VALUE}).")
  double beta;

  @Option(names = "--kl-coef", defaultValue = "0.05", description = "PPO: initial KL penalty coefficient (default: ${DEFAULT-VALUE}).")
  double klCoef;

  @Option(names = "--kl-target", defaultValue = "0",
      description = "PPO: target KL per response of the adaptive controller; 0 keeps --kl-coef fixed (default: ${DEFAULT-VALUE}).")
  double klTarget;

  @Option(names = "--epochs", defaultValue = "1", description = "Gradient passes per rollout batch (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--held-out", defaultValue = "0.2", description = "Share of the prompts held out (default: ${DEFAULT-VALUE}).")
  double heldOut;

  @Option(names = "--seed", defaultValue = "1337", description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() throws Exception {
    PrintWriter stdout = spec.commandLine().getOut();
    if (!(heldOut > 0 && heldOut < 1)) {
      throw new IllegalArgumentException("--held-out must be in (0, 1), got " + heldOut);
    }
    if (maxTokens < 1) {
      throw new IllegalArgumentException("--max-tokens must be >= 1, got " + maxTokens);
    }
    if (batch < 1) {
      throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
    }
    List<String> all = RlhfFiles.prompts(prompts);
    if (all.size() < 2) {
      throw new IllegalArgumentException("--prompts " + prompts + ": needs at least 2 prompts (training and held out), has 1");
    }
    RunChecks.outputFolder("--out", out);
    Models.Ready start = RlhfFiles.trainable(policy);
    RewardModel rm = RewardModel.load(rewardModel);
    rm.requireSameTokenizer(start.tokenizer());
    int held = Math.max(1, (int) Math.round(all.size() * heldOut));
    List<String> train = all.subList(0, all.size() - held);
    List<String> test = all.subList(all.size() - held, all.size());
    ModelWeights weights = start.model().weights();
    ModelWeights reference = Policies.copyOf(weights);
    GeneratorRollouts sampler = new GeneratorRollouts(start.model(), start.tokenizer(), maxTokens);
    int block = RlhfFiles.block(start, all, maxTokens);
    int k = 4;
    RlhfEvaluation before = RlhfEvaluation.of(sampler, rm, weights, reference, test, k, block, seed);
    AdamWConfig adam = new AdamWConfig(0.9f, 0.99f, 1e-8f, 0f);
    PrintWriter stderr = spec.commandLine().getErr();
    Consumer<RlhfStep> progress = s -> stderr.printf(Locale.ROOT,
        "%s step %d/%d: mean reward %.4f, KL %.4f, loss %.4f%n", method, s.step(), s.totalSteps(),
        s.meanReward(), s.kl(), s.loss()).flush();
    LearningRateSchedule schedule = LearningRateSchedule.constant(lr);
    if (method == Method.grpo) {
      new GroupRelativePolicyOptimization(weights, reference, sampler, rm, train, adam,
          new GrpoConfig(batch, samples, block, steps, epochs, 0.2, beta, schedule, 1f, seed))
          .addListener(progress).run();
    } else {
      // TRL: the value model starts as a copy of the reward model
      RewardModel value = new RewardModel(Policies.copyOf(rm.backbone()), rm.score().copy(), rm.tokenizer());
      int minibatches = batch % 2 == 0 ? 2 : 1;
      new ProximalPolicyOptimization(weights, reference, value.backbone(), value.score(), sampler, rm, train,
          adam, new PpoConfig(batch, minibatches, epochs, block, steps, 0.2, 0.2, 0.1, 1, 0.95, klCoef,
              klTarget, 10000, schedule, 1f, seed)).addListener(progress).run();
    }
    RlhfEvaluation after = RlhfEvaluation.of(sampler, rm, weights, reference, test, k, block, seed);
    new HuggingFaceModelStore().save(out, weights, start.tokenizer());
    stdout.printf(Locale.ROOT, "held_out_prompts %d%n", test.size());
    stdout.printf(Locale.ROOT, "mean_reward_before %.4f%n", before.meanReward());
    stdout.printf(Locale.ROOT, "mean_reward_after %.4f%n", after.meanReward());
    stdout.printf(Locale.ROOT, "kl_to_reference %.4f%n", after.klToReference());
    stdout.flush();
    return 0;
  }
}
