package dev.llmkit.model.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.io.hf.HuggingFaceCheckpoint;
import dev.llmkit.model.io.llama2c.Llama2cCheckpoint;
import dev.llmkit.model.nn.Transformer;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.RopeStyle;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A llama2.c checkpoint (adjacent-pair RoPE) saved as a Hugging Face folder (q/k permuted for
 * rotate-half) computes the same logits: the permutation is the right one.
 */
class ConversionEquivalenceTest {

  @TempDir Path tmp;

  @Test
  void stories260kSavedAsHuggingFaceGivesTheSameLogits() throws IOException {
    Path bin = Fixtures.sharedData("llama2c-stories260K/stories260K.bin");
    ModelWeights meta = Llama2cCheckpoint.load(bin);
    HuggingFaceCheckpoint.save(tmp, meta, null);
    ModelWeights hf = HuggingFaceCheckpoint.loadWeights(tmp);
    assertThat(meta.config().ropeStyle()).isEqualTo(RopeStyle.ADJACENT_PAIRS);
    assertThat(hf.config().ropeStyle()).isEqualTo(RopeStyle.ROTATE_HALF);
    int[] ids = {1, 403, 407, 261, 378};
    float[] a;
    float[] b;
    try (InferenceSession s = new Transformer(meta).newSession()) {
      a = s.forwardAll(ids, 0, ids.length).toArray();
    }
    try (InferenceSession s = new Transformer(hf).newSession()) {
      b = s.forwardAll(ids, 0, ids.length).toArray();
    }
    assertThat(a).hasSize(5 * 512);
    double maxAbs = 0;
    for (float x : a) {
      maxAbs = Math.max(maxAbs, Math.abs(x));
    }
    assertThat(maxAbs).isGreaterThan(1.0);
    for (int i = 0; i < a.length; i++) {
      assertThat((double) b[i]).as("logit %d", i).isCloseTo(a[i], org.assertj.core.data.Offset.offset(1e-4 * maxAbs));
    }
  }
}
