package dev.llmkit.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.nn.GradCheck;
import dev.llmkit.model.config.ModelConfig.Activation;
import dev.llmkit.model.config.ModelConfig.NormType;
import dev.llmkit.model.config.ModelConfig.PositionEncoding;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.RopeStyle;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Finite-difference checks of the gradient of every parameter tensor of whole tiny models of each
 * family and variant, against {@link TrainableModel#backward()}.
 */
class TrainableModelGradientTest {

  private static final int BATCH = 2;
  private static final int BLOCK = 6;

  static Stream<Arguments> configs() {
    ModelConfig gpt2 = ModelConfig.gpt2(23, 8, 2, 2, 8);
    ModelConfig llamaGqa = ModelConfig.llama(29, 8, 2, 4, 2, 16, 24);
    return Stream.of(
        Arguments.of("gpt2 (tied, learned, LayerNorm, GELU tanh)", gpt2),
        Arguments.of("gpt2 untied", gpt2.toBuilder().tiedEmbeddings(false).build()),
        Arguments.of("llama GQA (RoPE rotate-half, RMSNorm, SwiGLU)", llamaGqa),
        Arguments.of("llama GQA adjacent pairs",
            llamaGqa.toBuilder().ropeStyle(RopeStyle.ADJACENT_PAIRS).build()),
        Arguments.of("sinusoidal post-norm GELU erf",
            gpt2.toBuilder().positions(PositionEncoding.SINUSOIDAL).preNorm(false)
                .activation(Activation.GELU_ERF).tiedEmbeddings(false).build()),
        Arguments.of("sinusoidal pre-norm ReLU (small eps: kinks)",
            gpt2.toBuilder().positions(PositionEncoding.SINUSOIDAL)
                .activation(Activation.RELU).tiedEmbeddings(false).build()),
        Arguments.of("learned post-norm ReLU (small eps: kinks)",
            gpt2.toBuilder().preNorm(false).activation(Activation.RELU).build()),
        Arguments.of("learned RMSNorm GELU erf, no biases",
            gpt2.toBuilder().norm(NormType.RMS_NORM).activation(Activation.GELU_ERF)
                .attentionBias(false).mlpBias(false).build()),
        Arguments.of("rotary LayerNorm post-norm SwiGLU with biases",
            llamaGqa.toBuilder().norm(NormType.LAYER_NORM).preNorm(false).attentionBias(true)
                .mlpBias(true).tiedEmbeddings(true).build()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  void everyParameterGradientMatchesFiniteDifferences(String name, ModelConfig config) {
    ModelWeights w = GradCheck.randomWeights(config, 42, 0.3f);
    TrainableModel model = new TrainableModel(w, BATCH, BLOCK);
    SplittableRandom rng = new SplittableRandom(5);
    int[] inputs = new int[BATCH * BLOCK];
    int[] targets = new int[BATCH * BLOCK];
    for (int i = 0; i < inputs.length; i++) {
      inputs[i] = rng.nextInt(config.vocabSize());
      targets[i] = i % 5 == 3 ? -1 : rng.nextInt(config.vocabSize()); // some ignored
    }
    model.zeroGrad();
    model.forward(inputs, targets);
    model.backward();
    // float32 loss: rounding noise of the central difference is about ulp(loss) / 2eps (1e-4 at
    // eps 1e-3). ReLU has kinks that a perturbation may cross: a smaller eps keeps that rare.
    boolean relu = config.activation() == Activation.RELU;
    double eps = relu ? 1e-4 : 1e-3;
    double atol = relu ? 3e-3 : 4e-4;
    List<GradCheck.Result> bad = GradCheck.checkAll(
        w.named(), model.gradients().named(), () -> model.forward(inputs, targets), eps, 1e-2, atol);
    assertThat(bad).as(name).isEmpty();
  }
}
