package dev.llmkit.training.rlhf;

/**
 * Generalised advantage estimation (Schulman et al., 2016) over one response, as TRL's PPO trainer:
 * with per-token rewards {@code r_t} and values {@code V_t} (V after the last token is 0),
 *
 * <pre>
 *   delta_t = r_t + gamma * V_{t+1} - V_t
 *   A_t = delta_t + gamma * lambda * A_{t+1}
 *   returns_t = A_t + V_t
 * </pre>
 */
public final class Gae {

  private Gae() {}

  /** The advantages of one response. */
  public static float[] advantages(float[] rewards, float[] values, double gamma, double lambda) {
    if (rewards.length != values.length) {
      throw new IllegalArgumentException(rewards.length + " rewards but " + values.length + " values");
    }
    float[] a = new float[rewards.length];
    double next = 0;
    double nextValue = 0;
    for (int t = rewards.length - 1; t >= 0; t--) {
      double delta = rewards[t] + gamma * nextValue - values[t];
      next = delta + gamma * lambda * next;
      a[t] = (float) next;
      nextValue = values[t];
    }
    return a;
  }
}
