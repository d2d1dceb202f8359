package dev.llmkit.training.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdamWTest {

  private static final ModelConfig CONFIG = ModelConfig.gpt2(7, 4, 1, 2, 4);

  private static ModelWeights filled(long seed) {
    ModelWeights w = ModelWeights.zeros(CONFIG);
    long s = seed;
    for (Tensor t : w.named().values()) {
      t.copyFrom(Tensor.randn(s++, 1f, t.shape()));
    }
    return w;
  }

  /** torch.optim.AdamW's update, in double, for one element over several steps with given grads. */
  private static double reference(double p, double[] grads, double lr, AdamWConfig c, boolean decay) {
    double m = 0;
    double v = 0;
    for (int t = 1; t <= grads.length; t++) {
      double g = grads[t - 1];
      if (decay) {
        p *= 1 - lr * c.weightDecay();
      }
      m = c.beta1() * m + (1 - c.beta1()) * g;
      v = c.beta2() * v + (1 - c.beta2()) * g * g;
      double mhat = m / (1 - Math.pow(c.beta1(), t));
      double vhat = v / (1 - Math.pow(c.beta2(), t));
      p -= lr * mhat / (Math.sqrt(vhat) + c.eps());
    }
    return p;
  }

  @Test
  void threeStepsMatchTheAdamWFormulaWithDecayOnMatricesOnly() {
    ModelWeights p = filled(1);
    ModelWeights g = filled(100);
    ModelWeights p0 = filled(1);
    AdamWConfig cfg = new AdamWConfig(0.8f, 0.9f, 1e-3f, 0.5f);
    AdamW opt = new AdamW(p, g, cfg);
    float lr = 0.05f;
    // gradient of step t is (t) * g0: the moments see changing gradients
    float[][] g0 = g.named().values().stream().map(Tensor::toArray).toArray(float[][]::new);
    for (int step = 1; step <= 3; step++) {
      int k = 0;
      for (Tensor t : g.named().values()) {
        float[] a = g0[k++].clone();
        for (int i = 0; i < a.length; i++) {
          a[i] *= step;
        }
        t.copyFrom(a);
      }
      opt.step(lr);
    }
    assertThat(opt.stepCount()).isEqualTo(3);
    int k = 0;
    for (Map.Entry<String, Tensor> e : p.named().entrySet()) {
      float[] before = p0.named().get(e.getKey()).toArray();
      float[] after = e.getValue().toArray();
      float[] grad = g0[k++];
      boolean decay = e.getValue().rank() >= 2;
      for (int i = 0; i < after.length; i++) {
        double[] gs = {grad[i], 2.0 * grad[i], 3.0 * grad[i]};
        double expected = reference(before[i], gs, lr, cfg, decay);
        assertThat((double) after[i]).as(e.getKey() + "[" + i + "]").isCloseTo(expected, offset(2e-6));
      }
    }
  }

  @Test
  void biasesAndNormsAreNotDecayed() {
    ModelWeights p = filled(1);
    ModelWeights g = ModelWeights.zeros(CONFIG); // zero gradient: only weight decay moves anything
    ModelWeights p0 = filled(1);
    new AdamW(p, g, new AdamWConfig(0.9f, 0.999f, 1e-8f, 0.1f)).step(0.5f);
    for (Map.Entry<String, Tensor> e : p.named().entrySet()) {
      float[] before = p0.named().get(e.getKey()).toArray();
      float[] after = e.getValue().toArray();
      float factor = e.getValue().rank() >= 2 ? 0.95f : 1f;
      for (int i = 0; i < after.length; i++) {
        assertThat(after[i]).as(e.getKey()).isCloseTo(before[i] * factor, offset(1e-6f));
      }
    }
  }

  @Test
  void stateRoundTripContinuesExactly() throws IOException {
    ModelWeights pa = filled(1);
    ModelWeights pb = filled(1);
    ModelWeights g = filled(50);
    AdamWConfig cfg = AdamWConfig.defaults();
    AdamW a = new AdamW(pa, g, cfg);
    AdamW b = new AdamW(pb, g, cfg);
    a.step(1e-2f);
    a.step(1e-2f);
    b.step(1e-2f);
    b.step(1e-2f);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    a.writeState(new DataOutputStream(bytes));
    // a fresh optimiser over b's weights, restored from a's state, continues exactly as a does
    AdamW c = new AdamW(pb, g, cfg);
    c.readState(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    assertThat(c.stepCount()).isEqualTo(2);
    a.step(1e-2f);
    c.step(1e-2f);
    for (String name : pa.named().keySet()) {
      assertThat(pb.named().get(name).toArray()).as(name).isEqualTo(pa.named().get(name).toArray());
    }
  }

  @Test
  void stateOfAnotherModelIsRejected() throws IOException {
    ModelWeights p = filled(1);
    AdamW a = new AdamW(p, filled(2), AdamWConfig.defaults());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    a.writeState(new DataOutputStream(bytes));
    ModelConfig other = ModelConfig.gpt2(9, 4, 1, 2, 4);
    AdamW b = new AdamW(ModelWeights.zeros(other), ModelWeights.zeros(other), AdamWConfig.defaults());
    assertThatThrownBy(() -> b.readState(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()))))
        .isInstanceOf(IOException.class).hasMessageContaining("tok_embeddings.weight");
  }

  @Test
  void badArgumentsAreNamed() {
    assertThatThrownBy(() -> new AdamWConfig(1f, 0.9f, 1e-8f, 0f)).hasMessageContaining("beta1");
    assertThatThrownBy(() -> new AdamWConfig(0.9f, 0.9f, 0f, 0f)).hasMessageContaining("eps");
    AdamW opt = new AdamW(filled(1), filled(2), AdamWConfig.defaults());
    assertThatThrownBy(() -> opt.step(Float.NaN)).hasMessageContaining("learning rate");
    assertThatThrownBy(() -> new AdamW(filled(1), ModelWeights.zeros(ModelConfig.gpt2(9, 4, 1, 2, 4)),
        AdamWConfig.defaults())).hasMessageContaining("tok_embeddings.weight");
  }
}
