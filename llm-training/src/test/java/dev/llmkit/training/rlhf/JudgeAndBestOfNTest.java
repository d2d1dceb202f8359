package dev.llmkit.training.rlhf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmkit.training.finetune.PreferencePair;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JudgeAndBestOfNTest {

  private static final List<String> R = List.of("a", "b dog", "c", "d dog dog");

  @Test
  void aRankingImpliesEveryPairOfItsOrderAndOverTheUnranked() {
    // full prefix 3 > 1 > 0, 2 unranked: (3,1) (3,0) (3,2) (1,0) (1,2) (0,2)
    List<PreferencePair> p = Judge.pairs("q", R, new int[] {3, 1, 0});
    assertThat(p).extracting(PreferencePair::chosen)
        .containsExactly("d dog dog", "d dog dog", "d dog dog", "b dog", "b dog", "a");
    assertThat(p).extracting(PreferencePair::rejected).containsExactly("b dog", "a", "c", "a", "c", "c");
    // just the best: it beats each of the others
    assertThat(Judge.pairs("q", R, new int[] {2})).hasSize(3);
    // nothing ranked: no pairs; equal or empty texts say nothing
    assertThat(Judge.pairs("q", R, new int[0])).isEmpty();
    assertThat(Judge.pairs("q", List.of("x", "x", ""), new int[] {0})).isEmpty();
    assertThatThrownBy(() -> Judge.pairs("q", R, new int[] {1, 1})).hasMessageContaining("response 2 twice");
    assertThatThrownBy(() -> Judge.pairs("q", R, new int[] {4})).hasMessageContaining("response 5 of 4");
  }

  @Test
  void aRewardJudgeRanksByRewardAndBestOfNKeepsTheBest() {
    RewardFunction dogs = (prompt, response) -> response.split("dog", -1).length - 1;
    assertThat(Judge.byReward(dogs).rank("q", R)).containsExactly(3, 1, 0, 2);
    List<Long> seeds = new ArrayList<>();
    PolicySampler fake = (prompts, k, seed) -> {
      seeds.add(seed);
      List<Rollout> out = new ArrayList<>();
      for (int i = 0; i < k; i++) {
        out.add(new Rollout(prompts.get(0), new int[] {1}, new int[] {2}, R.get(i % R.size()), new float[] {-1f}));
      }
      return out;
    };
    BestOfN.Result r = new BestOfN(fake, dogs).sample("q", 4, 7);
    assertThat(r.best().response()).isEqualTo("d dog dog");
    assertThat(r.bestReward()).isEqualTo(2.0);
    assertThat(r.rewards()).containsExactly(0, 1, 0, 2);
    assertThat(seeds).containsExactly(7L);
    assertThatThrownBy(() -> new BestOfN(fake, dogs).sample("q", 0, 7))
        .hasMessageContaining("n must be >= 1").hasMessageContaining("got 0");
  }
}
