package dev.llmkit.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.cost.ArchitectureShape;
import dev.llmkit.model.cost.CostModel;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.training.data.RandomWindowBatches;
import dev.llmkit.training.data.TokenSequence;
import dev.llmkit.training.optim.AdamW;
import dev.llmkit.training.optim.AdamWConfig;
import dev.llmkit.training.schedule.LearningRateSchedule;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Activation recomputation: the same loss curve as without, a fraction of the memory. */
class RecomputeTest {

  private static Trainer trainer(ModelConfig c, int batch, int block, int accumulation, boolean recompute) {
    TrainableModel model = new TrainableModel(ModelWeights.init(c, 5, 0.02f), batch, block, recompute);
    AdamW opt = new AdamW(model.parameters(), model.gradients(), new AdamWConfig(0.9f, 0.95f, 1e-8f, 0.1f));
    int[] ids = new SplittableRandom(3).ints(20_000, 0, c.vocabSize()).toArray();
    return new Trainer(model, opt, new RandomWindowBatches(TokenSequence.of(ids), batch, block, 1),
        TrainerConfig.builder().steps(3).accumulation(accumulation)
            .schedule(LearningRateSchedule.constant(3e-3)).build());
  }

  @Test
  void gpt2EightLayersWidth64SameLosses() {
    ModelConfig c = ModelConfig.gpt2(65, 256, 8, 4, 64);
    float[] a = trainer(c, 2, 64, 1, false).run().losses();
    float[] b = trainer(c, 2, 64, 1, true).run().losses();
    assertThat(b).containsExactly(a);
  }

  @Test
  void gpt2EightLayersWidth64AtBlock256Batch8HoldsAThirdOfTheMemory() {
    // the configuration: 8 layers, width 64, block 256, batch 8 (every buffer is allocated
    // by the constructors, so no step needs to run)
    ModelConfig c = ModelConfig.gpt2(65, 256, 8, 4, 64);
    Trainer plain = trainer(c, 8, 256, 1, false);
    Trainer recompute = trainer(c, 8, 256, 1, true);
    assertThat(plain.peakMemoryBytes()).isGreaterThanOrEqualTo(3 * recompute.peakMemoryBytes());
    long est = CostModel.of(ArchitectureShape.of(c)).trainMemory(8, 256, true).total();
    long measured = recompute.peakMemoryBytes();
    assertThat((double) est).as("estimate %d vs measured %d", est, measured)
        .isCloseTo(measured, within(0.15 * measured));
  }

  @Test
  void llamaWithAccumulationWithinOneInAMillion() {
    // GQA, SwiGLU, RMSNorm, RoPE; two micro-batches per step add into non-zero gradients
    ModelConfig c = ModelConfig.llama(96, 64, 3, 4, 2, 32, 88);
    float[] a = trainer(c, 2, 32, 2, false).run().losses();
    float[] b = trainer(c, 2, 32, 2, true).run().losses();
    for (int i = 0; i < a.length; i++) {
      assertThat(b[i]).isCloseTo(a[i], within(1e-6f));
    }
  }
}
