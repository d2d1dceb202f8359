package dev.llmkit.training.rlhf;

/**
 * PPO's clipped value loss (as TRL's PPO trainer and the OpenAI baselines): with the value
 * {@code vOld} predicted at rollout time, the new prediction {@code v} and the return {@code R},
 *
 * <pre>
 *   vClipped = clip(v, vOld - c, vOld + c)
 *   loss = 0.5 * max((v - R)^2, (vClipped - R)^2)
 * </pre>
 */
public final class ValueLoss {

  private ValueLoss() {}

  /** The loss of one token. */
  public static double loss(double v, double vOld, double ret, double clip) {
    double vc = Math.max(vOld - clip, Math.min(vOld + clip, v));
    return 0.5 * Math.max((v - ret) * (v - ret), (vc - ret) * (vc - ret));
  }

  /** d loss / d v of one token. */
  public static double gradient(double v, double vOld, double ret, double clip) {
    double vc = Math.max(vOld - clip, Math.min(vOld + clip, v));
    double a = (v - ret) * (v - ret);
    double b = (vc - ret) * (vc - ret);
    if (a >= b) {
      return v - ret;
    }
    boolean inside = v > vOld - clip && v < vOld + clip;
    return inside ? vc - ret : 0;
  }
}
