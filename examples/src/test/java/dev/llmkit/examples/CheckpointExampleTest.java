package dev.llmkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.io.Checkpoints;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tokenizer.CharTokenizer;
import dev.llmkit.training.TrainingResult;
import dev.llmkit.training.data.Corpus;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointExampleTest {

  @TempDir Path tmp;

  @Test
  void resumedRunEqualsTheUninterruptedOneAndReloads() throws Exception {
    TrainingResult resumed = CheckpointExample.trainResumeReload(tmp.resolve("ckpt"), 10, 20);

    String text = BundledData.tinyShakespeare();
    CharTokenizer tok = CharTokenizer.fromCorpus(text);
    ModelWeights weights = ModelWeights.init(ModelConfig.gpt2(tok.vocabSize(), 32, 2, 2, 32), 1, 0.02f);
    TrainingResult whole = CheckpointExample.trainer(weights, Corpus.of(text, tok), 20, tok,
        tmp.resolve("whole")).run();

    assertThat(resumed.steps()).isEqualTo(20);
    assertThat(resumed.losses()).containsExactly(Arrays.copyOfRange(whole.losses(), 10, 20));
    ModelWeights reloaded = Checkpoints.load(tmp.resolve("ckpt")).weights();
    assertThat(reloaded.parameterCount()).isEqualTo(weights.parameterCount());
    reloaded.named().forEach((name, t) ->
        assertThat(t.toArray()).as(name).isEqualTo(weights.named().get(name).toArray()));
  }
}
