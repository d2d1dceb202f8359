package dev.llmkit.examples;

import dev.llmkit.examples.plot.Charts;
import dev.llmkit.model.io.LoadedModel;
import dev.llmkit.model.nn.Transformer;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.DecodeMatrices;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.training.TrainableModel;
import dev.llmkit.training.finetune.Jsonl;
import dev.llmkit.training.finetune.PreferencePair;
import dev.llmkit.training.optim.AdamWConfig;
import dev.llmkit.training.rlhf.GeneratorRollouts;
import dev.llmkit.training.rlhf.GroupRelativePolicyOptimization;
import dev.llmkit.training.rlhf.GrpoConfig;
import dev.llmkit.training.rlhf.Judge;
import dev.llmkit.training.rlhf.Policies;
import dev.llmkit.training.rlhf.RewardFunction;
import dev.llmkit.training.rlhf.RewardModel;
import dev.llmkit.training.rlhf.RewardModelTrainer;
import dev.llmkit.training.rlhf.RlhfEvaluation;
import dev.llmkit.training.rlhf.Rollout;
import dev.llmkit.training.schedule.LearningRateSchedule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Reinforcement learning from (simulated) human feedback on the pretrained stories260K. A rule
 * stands in for the person: "stories that mention a dog are better". The example samples stories,
 * lets the rule rank them (every implied pair goes into a preference set, the DPO format), trains a
 * reward model on that set, then optimises the policy with GRPO against the reward model and a
 * frozen copy of itself. It reports, on held-out prompts, the share of stories that mention a dog
 * before and after, and the policy's loss on held-out stories the base model wrote itself (how much
 * of its old behaviour it lost), prints before/after samples, and draws the reward curve.
 *
 * <p>Run: {@code ./llm example rlhf [OUT_DIR [STEPS [LR [BETA]]]]} (default: a temporary folder); a few minutes on 2 cores.
 */
public final class RlhfExample {

  /** The rule: the text mentions a dog. */
  public static final Pattern DOG = Pattern.compile("\\bdog", Pattern.CASE_INSENSITIVE);

  /** GRPO steps, learning rate and KL coefficient of the example run. */
  static final int STEPS = 40;
  static final double LR = 2e-4;
  static final double BETA = 0.2;

  private static final String[] NAMES = {"Lily", "Tom", "Ben", "Mia", "Sam", "Anna", "Max", "Sue", "Tim",
      "Lucy", "Jack", "Emma", "Zoe", "Leo", "Kate", "Bob"};
  private static final String[] OPENINGS = {"Once upon a time, there was a little girl named %s.",
      "One day, %s went to the park.", "%s liked to play outside.", "Once upon a time, %s found a big box.",
      "%s and mom went for a walk.", "%s was very happy today."};

  /**
   * The figures of a run.
   *
   * @param shareBefore share of held-out stories mentioning a dog, base model
   * @param shareAfter the same after RL
   * @param lossBefore mean per-token loss of the base model on its own held-out stories
   * @param lossAfter the RL policy's loss on the same stories
   * @param pairAccuracy the reward model's held-out pair accuracy
   * @param klToReference the RL policy's KL to the base model per story, held-out prompts
   */
  public record Figures(double shareBefore, double shareAfter, double lossBefore, double lossAfter,
      double pairAccuracy, double klToReference) {}

  public static void main(String[] args) throws Exception {
    Path out = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("llmkit-rlhf");
    Files.createDirectories(out);
    int steps = args.length > 1 ? Integer.parseInt(args[1]) : STEPS;
    double lr = args.length > 2 ? Double.parseDouble(args[2]) : LR;
    double beta = args.length > 3 ? Double.parseDouble(args[3]) : BETA;
    Figures f = run(out, steps, lr, beta, true);
    System.out.printf(Locale.ROOT, "dog share on held-out prompts: %.3f -> %.3f (x%.1f)%n", f.shareBefore(),
        f.shareAfter(), f.shareAfter() / Math.max(f.shareBefore(), 1e-9));
    System.out.printf(Locale.ROOT, "loss on the base model's own held-out stories: %.4f -> %.4f (%+.1f%%)%n",
        f.lossBefore(), f.lossAfter(), 100 * (f.lossAfter() / f.lossBefore() - 1));
  }

  /** Prompts: openings 0-3 with names 0-9 for training; openings 4-5 with names 10-15 held out. */
  static List<String> prompts(boolean heldOut) {
    List<String> p = new ArrayList<>();
    for (int o = heldOut ? 4 : 0; o < (heldOut ? 6 : 4); o++) {
      for (int n = heldOut ? 10 : 0; n < (heldOut ? 16 : 10); n++) {
        p.add(String.format(OPENINGS[o], NAMES[n]));
      }
    }
    return p;
  }

  /** Runs the whole loop, writing prefs.jsonl, the reward model and reward-curve.png into {@code out}. */
  public static Figures run(Path out, int steps, double lr, double beta, boolean verbose) throws Exception {
    long seed = 1234;
    int maxNew = 40;
    int samples = 8;
    LoadedModel m = BundledData.stories260K();
    Tokenizer tok = m.tokenizer();
    ModelWeights base = m.weights();
    ModelWeights policy = Policies.copyOf(base);
    RewardFunction rule = (prompt, response) -> DOG.matcher(response).find() ? 1 : 0;
    GeneratorRollouts sampler = new GeneratorRollouts(new Transformer(policy, DecodeMatrices.SHARED), tok, maxNew);
    List<String> train = prompts(false);
    List<String> heldOut = prompts(true);
    int longest = 0;
    for (String p : train) {
      longest = Math.max(longest, sampler.promptIds(p).length);
    }
    for (String p : heldOut) {
      longest = Math.max(longest, sampler.promptIds(p).length);
    }
    int block = Math.min(base.config().contextLength(), longest + maxNew);

    // 1. the base model on held-out prompts: how often it mentions a dog; its own stories
    RlhfEvaluation before = RlhfEvaluation.of(sampler, rule, policy, base, heldOut, samples, block, seed);
    double lossBefore = meanLoss(policy, before.rollouts(), block);
    say(verbose, "1. base model, %d held-out stories: %.1f%% mention a dog; loss on them %.4f%n",
        before.rollouts().size(), 100 * before.meanReward(), lossBefore);

    // 2. human feedback, simulated: the rule ranks the stories that mention a dog above the others
    Judge person = (prompt, responses) -> java.util.stream.IntStream.range(0, responses.size())
        .filter(i -> DOG.matcher(responses.get(i)).find()).toArray();
    List<PreferencePair> pairs = new ArrayList<>();
    List<Rollout> drawn = sampler.sample(train, 16, seed + 1_000_000);
    for (int i = 0; i < train.size(); i++) {
      List<String> responses = new ArrayList<>();
      for (Rollout r : drawn.subList(16 * i, 16 * (i + 1))) {
        responses.add(r.response());
      }
      pairs.addAll(Judge.pairs(train.get(i), responses, person.rank(train.get(i), responses)));
    }
    java.util.Collections.shuffle(pairs, new java.util.Random(seed));
    Path prefs = out.resolve("prefs.jsonl");
    Files.deleteIfExists(prefs);
    Jsonl.appendPreferences(prefs, pairs);
    int split = Math.max(1, pairs.size() * 9 / 10);
    say(verbose, "2. the rule ranked %d stories: %d preference pairs in %s%n", drawn.size(), pairs.size(), prefs);

    // 3. reward model: the base model with a scalar head, Bradley-Terry loss
    RewardModel rm = RewardModel.fromBase(base, tok, seed);
    new RewardModelTrainer(rm, pairs.subList(0, split), new AdamWConfig(0.9f, 0.99f, 1e-8f, 0f),
        new RewardModelTrainer.Config(8, 150, LearningRateSchedule.constant(1e-3), 1f, seed)).run();
    double accuracy = RewardModelTrainer.pairAccuracy(rm, pairs.subList(split, pairs.size()));
    rm.save(out.resolve("reward-model"));
    say(verbose, "3. reward model: held-out pair accuracy %.3f (%d pairs)%n", accuracy, pairs.size() - split);

    // 4. GRPO against the reward model and a frozen copy of the base model
    List<Charts.Point> curve = new ArrayList<>();
    GroupRelativePolicyOptimization grpo = new GroupRelativePolicyOptimization(policy, base, sampler, rm, train,
        new AdamWConfig(0.9f, 0.99f, 1e-8f, 0f),
        new GrpoConfig(4, samples, block, steps, 1, 0.2, beta, LearningRateSchedule.constant(lr), 1f, seed));
    grpo.addListener(s -> {
      curve.add(new Charts.Point(s.step(), s.meanReward()));
      if (verbose && s.step() % 5 == 0) {
        System.out.printf(Locale.ROOT, "   step %d/%d: mean reward %.3f, KL %.3f%n", s.step(), s.totalSteps(),
            s.meanReward(), s.kl());
      }
    });
    say(verbose, "4. GRPO, %d steps of %d prompts x %d stories...%n", steps, 4, samples);
    grpo.run();

    // 5. the same held-out prompts and seeds again
    RlhfEvaluation after = RlhfEvaluation.of(sampler, rule, policy, base, heldOut, samples, block, seed);
    double lossAfter = meanLoss(policy, before.rollouts(), block);
    say(verbose, "5. after RL: %.1f%% mention a dog; KL to the base model %.3f per story; loss on the base"
        + " model's stories %.4f%n", 100 * after.meanReward(), after.klToReference(), lossAfter);
    if (verbose) {
      for (int i = 0; i < 3; i++) {
        int j = i * samples * 3;
        System.out.println("   prompt: " + before.rollouts().get(j).prompt());
        System.out.println("     before: " + before.rollouts().get(j).response().strip());
        System.out.println("     after:  " + after.rollouts().get(j).response().strip());
      }
    }
    Path png = out.resolve("reward-curve.png");
    Charts.rewardCurve("GRPO on stories260K: reward model score", curve, "", List.of(), png);
    say(verbose, "   reward curve: %s%n", png);
    return new Figures(before.meanReward(), after.meanReward(), lossBefore, lossAfter, accuracy,
        after.klToReference());
  }

  /** Mean per-token loss (nats) of {@code weights} on the response tokens of the rollouts. */
  static double meanLoss(ModelWeights weights, List<Rollout> rollouts, int block) {
    int b = 8;
    TrainableModel model = new TrainableModel(weights, b, block);
    int[] inputs = new int[b * block];
    int[] targets = new int[b * block];
    double sum = 0;
    long count = 0;
    for (int start = 0; start < rollouts.size(); start += b) {
      java.util.Arrays.fill(inputs, 0);
      java.util.Arrays.fill(targets, -1);
      for (int s = 0; s < b && start + s < rollouts.size(); s++) {
        rollouts.get(start + s).sequence().writeRow(inputs, targets, s * block, block);
      }
      float mean = model.forward(inputs, targets);
      sum += (double) mean * model.targetCount();
      count += model.targetCount();
    }
    return sum / count;
  }

  private static void say(boolean verbose, String format, Object... args) {
    if (verbose) {
      System.out.printf(Locale.ROOT, format, args);
    }
  }
}
