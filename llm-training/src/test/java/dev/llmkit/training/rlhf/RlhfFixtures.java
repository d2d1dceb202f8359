package dev.llmkit.training.rlhf;

import dev.llmkit.model.nn.GradCheck;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tokenizer.CharTokenizer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Shared helpers of the RLHF tests. */
final class RlhfFixtures {

  static final CharTokenizer CHARS = CharTokenizer.fromCorpus("abcdefghijklmnopqrstuvwxyz .!?");

  private RlhfFixtures() {}

  /** Copies of the gradients, so a loss function that runs backward cannot disturb the check. */
  static Map<String, Tensor> snapshot(Map<String, Tensor> grads) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    grads.forEach((k, v) -> m.put(k, v.copy()));
    return m;
  }

  /** Finite-difference check of every tensor; the failures. */
  static List<GradCheck.Result> check(Map<String, Tensor> params, Map<String, Tensor> grads,
      GradCheck.Scalar loss) {
    return GradCheck.checkAll(params, snapshot(grads), loss, 1e-3, 1e-2, 4e-4);
  }
}
