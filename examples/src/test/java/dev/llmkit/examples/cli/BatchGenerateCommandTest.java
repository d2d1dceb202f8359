package dev.llmkit.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code llm generate --samples / --num-beams} and {@code llm bench --batch} on stories260K. */
class BatchGenerateCommandTest {

  @Test
  void samplesUseSeedsSeedPlusI() {
    CliRun.Result r = CliRun.run("generate", "--model", "bundled:stories260K", "--prompt",
        "Once upon a time", "--samples", "3", "--seed", "5", "--max-tokens", "6");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.err()).contains("sample 0: finish MAX_TOKENS, generated 6 tokens, seed 5",
        "sample 1: finish MAX_TOKENS, generated 6 tokens, seed 6",
        "sample 2: finish MAX_TOKENS, generated 6 tokens, seed 7", "3 samples, 18 tokens");
  }

  @Test
  void beamSearchPrintsTheReturnedSequencesScores() {
    CliRun.Result r = CliRun.run("generate", "--model", "bundled:stories260K", "--prompt",
        "Once upon a time", "--num-beams", "3", "--num-return-sequences", "2", "--max-tokens", "5");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.err()).contains("beam 0: score ", "beam 1: score ").doesNotContain("beam 2:");
    CliRun.Result bad = CliRun.run("generate", "--model", "bundled:stories260K", "--prompt", "x",
        "--num-beams", "0");
    assertThat(bad.exitCode()).isEqualTo(1);
    assertThat(bad.err()).contains("num_beams must be >= 1, got 0");
  }

  @Test
  void benchBatchCountsEverySequence() {
    CliRun.Result r = CliRun.run("bench", "--model", "bundled:stories260K", "--batch", "3",
        "--prompt-len", "4", "--new", "4", "--repeats", "1");
    assertThat(r.exitCode()).as(r.err()).isZero();
    Map<String, String> kv = CliRun.keyValues(r.out());
    assertThat(kv).containsEntry("batch", "3").containsKeys("prefill_tok_per_s", "decode_tok_per_s");
    assertThat(Double.parseDouble(kv.get("decode_tok_per_s"))).isPositive();
  }
}
