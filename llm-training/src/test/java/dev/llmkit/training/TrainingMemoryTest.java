package dev.llmkit.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.cost.ArchitectureShape;
import dev.llmkit.model.cost.CostModel;
import dev.llmkit.model.cost.TrainMemory;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.training.data.RandomWindowBatches;
import dev.llmkit.training.data.TokenSequence;
import dev.llmkit.training.optim.AdamW;
import dev.llmkit.training.optim.AdamWConfig;
import dev.llmkit.training.schedule.LearningRateSchedule;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The cost model's training memory, from the shape alone, against what the trainer counts from its
 * own allocations ({@link Trainer#peakMemoryBytes()}).
 */
class TrainingMemoryTest {

  private static ModelConfig config(String family) {
    return family.equals("gpt2")
        // 8 layers of width 64, as in the recompute check (at a smaller batch shape)
        ? ModelConfig.gpt2(65, 256, 8, 4, 64)
        : ModelConfig.llama(96, 256, 4, 8, 2, 64, 172);
  }

  @ParameterizedTest
  @ValueSource(strings = {"gpt2", "llama"})
  void estimateWithinFifteenPercentOfTheTrainersAccount(String family) {
    ModelConfig c = config(family);
    int batch = 2;
    int block = 128;
    TrainableModel model = new TrainableModel(ModelWeights.init(c, 1, 0.02f), batch, block);
    AdamW opt = new AdamW(model.parameters(), model.gradients(), new AdamWConfig(0.9f, 0.95f, 1e-8f, 0.1f));
    int[] ids = new SplittableRandom(3).ints(10_000, 0, c.vocabSize()).toArray();
    Trainer t = new Trainer(model, opt, new RandomWindowBatches(TokenSequence.of(ids), batch, block, 1),
        TrainerConfig.builder().steps(1).schedule(LearningRateSchedule.constant(1e-3)).build());
    long before = t.peakMemoryBytes();
    t.run();
    long measured = t.peakMemoryBytes();
    assertThat(measured).isEqualTo(before);
    long p = model.parameters().parameterCount();
    // the account holds at least parameters, gradients and both moments, and activations beyond
    assertThat(measured).isGreaterThan(16L * p);
    TrainMemory est = CostModel.of(ArchitectureShape.of(c)).trainMemory(batch, block, false);
    assertThat((double) est.total()).as("estimate %d vs measured %d", est.total(), measured)
        .isCloseTo(measured, within(0.15 * measured));
    assertThat(est.weights() + est.grads() + est.optimizer()).isEqualTo(16L * p);
  }
}
