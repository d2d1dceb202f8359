package dev.llmkit.training.rlhf;

import dev.llmkit.training.TrainableModel;
import dev.llmkit.training.finetune.TokenizedExample;
import java.util.Arrays;
import java.util.List;

/**
 * The rollouts of one RLHF step laid out as training rows: sequence {@code i} (prompt then response)
 * in a row of {@code block} positions, its response token {@code j} predicted at position
 * {@code promptLength - 1 + j}, where the per-token quantities (log-probabilities, values,
 * advantages) of that token live in the flat (batch*block) arrays of a training forward.
 */
final class RolloutBatch {

  final List<Rollout> rollouts;
  final TokenizedExample[] sequences;
  final int block;

  RolloutBatch(List<Rollout> rollouts, int block) {
    this.rollouts = rollouts;
    this.block = block;
    this.sequences = new TokenizedExample[rollouts.size()];
    for (int i = 0; i < sequences.length; i++) {
      sequences[i] = rollouts.get(i).sequence();
      if (sequences[i].ids().length > block + 1) {
        throw new IllegalArgumentException("rollout " + i + " has " + sequences[i].ids().length
            + " tokens (prompt " + sequences[i].promptLength() + "), more than block + 1 = " + (block + 1)
            + ": raise the block or lower the new tokens per response");
      }
    }
  }

  int size() {
    return sequences.length;
  }

  int responseLength(int i) {
    return sequences[i].ids().length - sequences[i].promptLength();
  }

  /** Writes the rows {@code idx} into slots 0..; later slots hold padding (input 0, no target). */
  void writeRows(int[] idx, int batch, int[] inputs, int[] targets) {
    Arrays.fill(inputs, 0);
    Arrays.fill(targets, -1);
    for (int s = 0; s < idx.length; s++) {
      sequences[idx[s]].writeRow(inputs, targets, s * block, block);
    }
  }

  /** Flat position of response token {@code j} of the sequence in slot {@code s}. */
  int position(int idx, int slot, int j) {
    return slot * block + sequences[idx].promptLength() - 1 + j;
  }

  /** per[idx[s]][j] -> flat; other positions 0. */
  void toFlat(float[][] per, int[] idx, float[] flat) {
    Arrays.fill(flat, 0f);
    for (int s = 0; s < idx.length; s++) {
      for (int j = 0; j < per[idx[s]].length; j++) {
        flat[position(idx[s], s, j)] = per[idx[s]][j];
      }
    }
  }

  /** flat -> per[idx[s]][j]. */
  void fromFlat(float[] flat, int[] idx, float[][] per) {
    for (int s = 0; s < idx.length; s++) {
      int n = responseLength(idx[s]);
      if (per[idx[s]] == null || per[idx[s]].length != n) {
        per[idx[s]] = new float[n];
      }
      for (int j = 0; j < n; j++) {
        per[idx[s]][j] = flat[position(idx[s], s, j)];
      }
    }
  }

  /** Per-response-token log-probabilities of every sequence under {@code model}, in chunks of its batch. */
  float[][] logProbs(TrainableModel model) {
    float[][] out = new float[size()][];
    int b = model.batch();
    int[] inputs = new int[b * block];
    int[] targets = new int[b * block];
    for (int start = 0; start < size(); start += b) {
      int[] idx = range(start, Math.min(size(), start + b));
      writeRows(idx, b, inputs, targets);
      model.forward(inputs, targets);
      fromFlat(model.targetLogProbs(), idx, out);
    }
    return out;
  }

  /** Per-response-token scores of every sequence under a scalar-head model (a PPO value model). */
  float[][] values(ScalarHeadModel model) {
    float[][] out = new float[size()][];
    int b = model.batch();
    int[] inputs = new int[b * block];
    int[] targets = new int[b * block];
    for (int start = 0; start < size(); start += b) {
      int[] idx = range(start, Math.min(size(), start + b));
      writeRows(idx, b, inputs, targets);
      fromFlat(model.forward(inputs), idx, out);
    }
    return out;
  }

  /** {@code n} prompts drawn uniformly with replacement. */
  static List<String> draw(List<String> prompts, int n, dev.llmkit.training.data.SplitMix64 rng) {
    List<String> picked = new java.util.ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      picked.add(prompts.get((int) rng.nextLong(prompts.size())));
    }
    return picked;
  }

  /** The reward of every rollout (its prompt and response), in one batched call. */
  static double[] rewards(RewardFunction reward, List<Rollout> rollouts) {
    List<String> ps = new java.util.ArrayList<>(rollouts.size());
    List<String> rs = new java.util.ArrayList<>(rollouts.size());
    for (Rollout r : rollouts) {
      ps.add(r.prompt());
      rs.add(r.response());
    }
    return reward.rewards(ps, rs);
  }

  static double mean(double[] v) {
    double m = 0;
    for (double x : v) {
      m += x / v.length;
    }
    return m;
  }

  static int[] range(int from, int to) {
    int[] r = new int[to - from];
    for (int i = 0; i < r.length; i++) {
      r[i] = from + i;
    }
    return r;
  }
}
