package dev.llmkit.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seeded random sampler settings, valid and careless (NaN, infinities, negatives, huge values),
 * applied to random logits (some -inf, some all -inf): a setting is either rejected when the
 * sampler is built, with an {@link IllegalArgumentException} naming it, or every draw is an id
 * inside the vocabulary that is not impossible (or a {@link NoPossibleTokenException} when no token
 * is possible, or an exception naming a banned token outside the vocabulary). Nothing else is thrown. {@code -Dllmkit.fuzz.scale=N} multiplies the cases.
 */
class SamplerSettingsFuzzTest {

  private static final float[] FLOATS = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
      -1f, 0f, 1e-30f, 0.05f, 0.5f, 0.9f, 1f, 1.5f, 2f, 1e30f};

  private static float pick(SplittableRandom r) {
    return r.nextInt(3) == 0 ? FLOATS[r.nextInt(FLOATS.length)] : (float) r.nextDouble(0, 2);
  }

  @Test
  @Timeout(60)
  void settingsAreRejectedNamingThemOrEveryDrawIsAPossibleToken() {
    SplittableRandom r = new SplittableRandom(19);
    List<String> problems = new ArrayList<>();
    int built = 0;
    int rejected = 0;
    int n = 3000 * Integer.getInteger("llmkit.fuzz.scale", 1);
    for (int i = 0; i < n; i++) {
      SamplerConfig.Builder b = SamplerConfig.builder().seed(r.nextLong());
      if (r.nextBoolean()) {
        b.temperature(pick(r));
      }
      if (r.nextBoolean()) {
        b.topK(new int[] {-5, -1, 0, 1, 2, 50, Integer.MAX_VALUE}[r.nextInt(7)]);
      }
      if (r.nextBoolean()) {
        b.topP(pick(r));
      }
      if (r.nextBoolean()) {
        b.minP(pick(r));
      }
      if (r.nextInt(4) == 0) {
        b.typicalP(pick(r));
      }
      if (r.nextInt(3) == 0) {
        b.repetitionPenalty(pick(r));
      }
      if (r.nextInt(4) == 0) {
        b.frequencyPenalty(pick(r) - 1);
      }
      if (r.nextInt(5) == 0) {
        b.ban(r.nextInt(3) - 1);
      }
      Sampler s;
      try {
        s = b.buildSampler();
        built++;
      } catch (IllegalArgumentException e) {
        rejected++;
        String m = String.valueOf(e.getMessage());
        if (!m.matches("(?s).*(temperature|top-k|top-p|min-p|typical-p|penalty|banned|token).*")) {
          problems.add("rejection without the setting's name: " + m);
        }
        continue;
      } catch (RuntimeException e) {
        problems.add("building threw " + e);
        continue;
      }
      int vocab = 1 + r.nextInt(64);
      float[] logits = new float[vocab];
      boolean allImpossible = r.nextInt(20) == 0;
      for (int v = 0; v < vocab; v++) {
        logits[v] = allImpossible || r.nextInt(5) == 0 ? Float.NEGATIVE_INFINITY
            : (float) r.nextGaussian() * 5;
      }
      float[] copy = logits.clone();
      SamplingContext ctx = new SamplingContext(r.nextLong(), r.nextInt(vocab), r.nextInt(vocab));
      try {
        int id = s.sample(logits, ctx);
        if (id < 0 || id >= vocab || copy[id] == Float.NEGATIVE_INFINITY) {
          problems.add("drew " + id + " of " + vocab + " (logit " + (id >= 0 && id < vocab
              ? copy[id] : Float.NaN) + ")");
        }
      } catch (NoPossibleTokenException e) {
        // fine: the settings leave no token (or none was possible)
      } catch (IllegalArgumentException e) { // a setting that does not fit this vocabulary
        if (!String.valueOf(e.getMessage()).matches("(?s).*(banned|bias) token.*vocabulary.*")) {
          problems.add("sampling threw " + e);
        }
      } catch (RuntimeException e) {
        problems.add("sampling threw " + e);
      }
      if (problems.size() > 20) {
        break;
      }
    }
    System.out.println("sampler settings fuzz: " + n + " settings, " + built + " built, " + rejected
        + " rejected, " + problems.size() + " problems");
    assertThat(problems).isEmpty();
    assertThat(built).isGreaterThan(n / 10);
    assertThat(rejected).isGreaterThan(n / 10);
  }

  @Test
  @Timeout(60)
  void greedyDrawsTheArgMaxOfAnyLogits() {
    SplittableRandom r = new SplittableRandom(19);
    int n = 3000 * Integer.getInteger("llmkit.fuzz.scale", 1);
    for (int i = 0; i < n; i++) {
      long seed = r.nextLong();
      SplittableRandom c = new SplittableRandom(seed);
      float[] logits = new float[1 + c.nextInt(64)];
      int best = -1;
      for (int v = 0; v < logits.length; v++) {
        logits[v] = c.nextInt(5) == 0 ? Float.NEGATIVE_INFINITY : (float) c.nextGaussian() * 10;
        if (logits[v] != Float.NEGATIVE_INFINITY && (best < 0 || logits[v] > logits[best])) {
          best = v;
        }
      }
      if (best < 0) {
        continue;
      }
      Sampler s = c.nextBoolean() ? SamplerConfig.builder().seed(seed).topK(1).buildSampler()
          : SamplerConfig.builder().seed(seed).temperature(0f).buildSampler();
      int id = s.sample(logits.clone(), new SamplingContext(seed, 0, 0));
      assertThat(logits[id]).as("seed %d", seed).isEqualTo(logits[best]);
    }
  }
}
