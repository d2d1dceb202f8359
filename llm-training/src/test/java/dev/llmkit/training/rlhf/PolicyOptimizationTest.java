package dev.llmkit.training.rlhf;

import static dev.llmkit.training.rlhf.RlhfFixtures.CHARS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.nn.GradCheck;
import dev.llmkit.model.nn.Transformer;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.DecodeMatrices;
import dev.llmkit.training.TrainableModel;
import dev.llmkit.training.finetune.TokenizedExample;
import dev.llmkit.training.optim.AdamWConfig;
import dev.llmkit.training.schedule.LearningRateSchedule;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** GRPO and PPO: losses against closed forms and finite differences, the KL term, short runs. */
class PolicyOptimizationTest {

  private static final ModelConfig TINY = ModelConfig.llama(CHARS.vocabSize(), 16, 1, 2, 1, 8, 12);
  private static final int ROWS = 3;
  private static final int BLOCK = 8;

  /** Three prompt+response rows of random ids, the inputs and targets of a batch. */
  private static int[][] batch() {
    SplittableRandom rng = new SplittableRandom(9);
    int[] inputs = new int[ROWS * BLOCK];
    int[] targets = new int[ROWS * BLOCK];
    int[] lengths = {9, 6, 8};
    int[] prompts = {3, 2, 4};
    for (int r = 0; r < ROWS; r++) {
      int[] ids = rng.ints(lengths[r], 0, CHARS.vocabSize()).toArray();
      new TokenizedExample(ids, prompts[r]).writeRow(inputs, targets, r * BLOCK, BLOCK);
    }
    return new int[][] {inputs, targets};
  }

  /** oldLogp = logp + offsets that put some ratios inside the clip range and some outside. */
  private static float[] shifted(float[] logp, int[] targets) {
    float[] old = logp.clone();
    float[] offsets = {-0.5f, 0f, 0.05f, 0.4f};
    for (int t = 0; t < old.length; t++) {
      old[t] += targets[t] >= 0 ? offsets[t % offsets.length] : 0f;
    }
    return old;
  }

  @Test
  void groupAdvantagesAreNormalisedWithinEachGroup() {
    double[] a = GroupRelativePolicyOptimization.groupAdvantages(new double[] {1, 0, 0, 0, 2, 2, 2, 2}, 4);
    // mean 0.25, unbiased std 0.5
    assertThat(a[0]).isCloseTo(0.75 / 0.5001, within(1e-12));
    assertThat(a[1]).isCloseTo(-0.25 / 0.5001, within(1e-12));
    assertThat(a[4]).isEqualTo(0.0); // equal rewards: no signal
    assertThatThrownBy(() -> GroupRelativePolicyOptimization.groupAdvantages(new double[] {1, 2, 3}, 2))
        .hasMessageContaining("not groups of k = 2");
  }

  @Test
  void clippedSurrogateAndK3MatchClosedForms() {
    // ratio e^0.5 > 1.2 with A > 0: clipped, loss -1.2 A, no gradient
    assertThat(ClippedSurrogate.loss(0.5, 0, 2, 0.2)).isCloseTo(-2.4, within(1e-12));
    assertThat(ClippedSurrogate.gradient(0.5, 0, 2, 0.2)).isEqualTo(0.0);
    // the same ratio with A < 0: the unclipped term is the larger: -A * ratio
    assertThat(ClippedSurrogate.loss(0.5, 0, -2, 0.2)).isCloseTo(2 * Math.exp(0.5), within(1e-12));
    assertThat(ClippedSurrogate.gradient(0.5, 0, -2, 0.2)).isCloseTo(2 * Math.exp(0.5), within(1e-12));
    assertThat(KlEstimators.k3(-1, -2)).isCloseTo(Math.exp(-1) + 1 - 1, within(1e-15));
    assertThat(KlEstimators.k3Gradient(-1, -2)).isCloseTo(1 - Math.exp(-1), within(1e-15));
  }

  @Test
  void grpoLossGradientThroughThePolicyMatchesFiniteDifferences() {
    ModelWeights w = GradCheck.randomWeights(TINY, 11, 0.3f);
    TrainableModel policy = new TrainableModel(w, ROWS, BLOCK);
    TrainableModel reference = new TrainableModel(GradCheck.randomWeights(TINY, 12, 0.3f), ROWS, BLOCK);
    int[][] b = batch();
    reference.forward(b[0], b[1]);
    float[] ref = reference.targetLogProbs().clone();
    policy.forward(b[0], b[1]);
    float[] old = shifted(policy.targetLogProbs(), b[1]);
    double[] adv = {1.3, -0.7, 0.4};
    float[] d = new float[ROWS * BLOCK];
    policy.zeroGrad();
    double loss = GroupRelativePolicyOptimization.loss(policy.targetLogProbs(), old, ref, b[1], BLOCK, adv,
        0.2, 0.3, d);
    policy.backward(d);
    assertThat(loss).isNotZero();
    float[] scratch = new float[d.length];
    assertThat(RlhfFixtures.check(w.named(), policy.gradients().named(), () -> {
      policy.forward(b[0], b[1]);
      return GroupRelativePolicyOptimization.loss(policy.targetLogProbs(), old, ref, b[1], BLOCK, adv, 0.2,
          0.3, scratch);
    })).isEmpty();
  }

  @Test
  void withThePolicyEqualToTheReferenceTheKlTermAndItsGradientAreExactlyZero() {
    ModelWeights w = GradCheck.randomWeights(TINY, 11, 0.3f);
    TrainableModel policy = new TrainableModel(w, ROWS, BLOCK);
    TrainableModel reference = new TrainableModel(Policies.copyOf(w), ROWS, BLOCK);
    int[][] b = batch();
    reference.forward(b[0], b[1]);
    float[] ref = reference.targetLogProbs().clone();
    policy.forward(b[0], b[1]);
    float[] lp = policy.targetLogProbs();
    assertThat(lp).containsExactly(ref);
    float[] withKl = new float[lp.length];
    float[] without = new float[lp.length];
    double[] zero = new double[ROWS];
    // no advantage: the loss is the KL term alone, exactly 0, and so is its gradient
    assertThat(GroupRelativePolicyOptimization.loss(lp, lp, ref, b[1], BLOCK, zero, 0.2, 0.04, withKl))
        .isEqualTo(0.0);
    double largest = 0;
    for (float x : withKl) {
      largest = Math.max(largest, Math.abs(x));
    }
    assertThat(largest).isEqualTo(0.0); // (some are -0: -A * ratio with A = 0)
    double[] adv = {1.3, -0.7, 0.4};
    double a = GroupRelativePolicyOptimization.loss(lp, lp, ref, b[1], BLOCK, adv, 0.2, 0.04, withKl);
    double c = GroupRelativePolicyOptimization.loss(lp, lp, ref, b[1], BLOCK, adv, 0.2, 0, without);
    assertThat(a).isEqualTo(c);
    assertThat(withKl).containsExactly(without);
    // PPO: the per-token KL penalty is exactly 0, the reward is the score at the last token
    float[] r = ProximalPolicyOptimization.tokenRewards(new float[] {-1.5f, -0.25f, -3f},
        new float[] {-1.5f, -0.25f, -3f}, 0.75, 0.2);
    assertThat(r).containsExactly(0f, 0f, 0.75f);
  }

  @Test
  void gaeMatchesTheRecursionByHand() {
    float[] a = Gae.advantages(new float[] {0, 0, 1}, new float[] {0.5f, 0.2f, 0.1f}, 1.0, 0.95);
    // A2 = 1 - 0.1; A1 = 0 + 0.1 - 0.2 + 0.95 A2; A0 = 0 + 0.2 - 0.5 + 0.95 A1
    assertThat(a[2]).isCloseTo(0.9f, within(1e-6f));
    assertThat(a[1]).isCloseTo(0.755f, within(1e-6f));
    assertThat(a[0]).isCloseTo(0.41725f, within(1e-6f));
  }

  @Test
  void adaptiveKlCoefficientFollowsZieglerEtAl() {
    AdaptiveKlController kl = new AdaptiveKlController(0.1, 6, 10000);
    kl.update(12, 64); // error clipped to 0.2
    assertThat(kl.value()).isCloseTo(0.1 * (1 + 0.2 * 64 / 10000.0), within(1e-15));
    kl.update(3, 64); // error -0.5 clipped to -0.2
    assertThat(kl.value()).isCloseTo(0.1 * (1 + 0.2 * 64 / 10000.0) * (1 - 0.2 * 64 / 10000.0), within(1e-15));
  }

  @Test
  void ppoPolicyAndValueLossGradientsMatchFiniteDifferences() {
    ModelWeights w = GradCheck.randomWeights(TINY, 21, 0.3f);
    TrainableModel policy = new TrainableModel(w, ROWS, BLOCK);
    int[][] b = batch();
    policy.forward(b[0], b[1]);
    float[] old = shifted(policy.targetLogProbs(), b[1]);
    SplittableRandom rng = new SplittableRandom(4);
    float[] adv = new float[ROWS * BLOCK];
    for (int t = 0; t < adv.length; t++) {
      adv[t] = (float) rng.nextDouble(-1.5, 1.5);
    }
    float[] d = new float[adv.length];
    policy.zeroGrad();
    ProximalPolicyOptimization.policyLoss(policy.targetLogProbs(), old, adv, b[1], 0.2, d);
    policy.backward(d);
    float[] scratch = new float[d.length];
    assertThat(RlhfFixtures.check(w.named(), policy.gradients().named(), () -> {
      policy.forward(b[0], b[1]);
      return ProximalPolicyOptimization.policyLoss(policy.targetLogProbs(), old, adv, b[1], 0.2, scratch);
    })).as("policy loss").isEmpty();

    ScalarHeadModel value = new ScalarHeadModel(GradCheck.randomWeights(TINY, 22, 0.3f),
        ScalarHeadModel.initScore(TINY, 5, 0.5f), ROWS, BLOCK);
    float[] v = value.forward(b[0]).clone();
    float[] vOld = new float[v.length];
    float[] ret = new float[v.length];
    for (int t = 0; t < v.length; t++) {
      // some predictions outside the clip range around vOld, some inside
      vOld[t] = v[t] + (t % 3 == 0 ? 0.5f : t % 3 == 1 ? -0.05f : 0.3f);
      ret[t] = (float) rng.nextDouble(-1, 1);
    }
    float[] dv = new float[v.length];
    value.zeroGrad();
    ProximalPolicyOptimization.valueLoss(value.forward(b[0]), vOld, ret, b[1], 0.2, 0.1, dv);
    value.backward(dv);
    assertThat(RlhfFixtures.check(value.parameters(), value.gradients(),
        () -> ProximalPolicyOptimization.valueLoss(value.forward(b[0]), vOld, ret, b[1], 0.2, 0.1, scratch)))
        .as("value loss").isEmpty();
  }

  /** The share of 'a' in a response: a rule reward. */
  private static double shareOfA(String prompt, String response) {
    return response.isEmpty() ? 0 : response.chars().filter(ch -> ch == 'a').count() / (double) response.length();
  }

  @Test
  void grpoAndPpoRaiseARuleRewardOfATinyModel() {
    ModelConfig c = ModelConfig.llama(CHARS.vocabSize(), 32, 1, 2, 2, 16, 32);
    List<String> prompts = List.of("the ", "once ", "a big ", "so ");
    for (String method : List.of("grpo", "ppo")) {
      ModelWeights policy = ModelWeights.init(c, 3, 0.02f);
      ModelWeights reference = Policies.copyOf(policy);
      GeneratorRollouts sampler = new GeneratorRollouts(new Transformer(policy, DecodeMatrices.SHARED), CHARS, 8);
      RewardFunction reward = PolicyOptimizationTest::shareOfA;
      double before = RlhfEvaluation.of(sampler, reward, policy, reference, prompts, 4, 16, 99).meanReward();
      AdamWConfig adam = new AdamWConfig(0.9f, 0.99f, 1e-8f, 0f);
      List<RlhfStep> steps;
      if (method.equals("grpo")) {
        steps = new GroupRelativePolicyOptimization(policy, reference, sampler, reward, prompts, adam,
            new GrpoConfig(2, 4, 16, 20, 1, 0.2, 0.04, LearningRateSchedule.constant(1e-2), 1f, 1)).run();
      } else {
        ModelWeights valueBackbone = Policies.copyOf(policy);
        steps = new ProximalPolicyOptimization(policy, reference, valueBackbone,
            ScalarHeadModel.initScore(c, 1, 0f), sampler, reward, prompts, adam,
            new PpoConfig(8, 2, 2, 16, 12, 0.2, 0.2, 0.1, 1, 0.95, 0.05, 0.5, 1000,
                LearningRateSchedule.constant(1e-2), 1f, 1)).run();
      }
      RlhfEvaluation after = RlhfEvaluation.of(sampler, reward, policy, reference, prompts, 4, 16, 99);
      assertThat(steps).allSatisfy(s -> assertThat(s.loss()).isFinite());
      assertThat(after.meanReward()).as("%s: mean reward %.3f -> %.3f", method, before, after.meanReward())
          .isGreaterThan(before + 0.1);
      assertThat(after.klToReference()).as(method).isPositive();
    }
  }
}
