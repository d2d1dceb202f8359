package dev.llmkit.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmkit.model.t5.T5Config;
import dev.llmkit.model.t5.T5Weights;
import dev.llmkit.tokenizer.CharTokenizer;
import dev.llmkit.tokenizer.Tokenizers;
import dev.llmkit.training.seq2seq.Seq2SeqConfig;
import dev.llmkit.training.seq2seq.Seq2SeqTrainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * {@code llm train --arch t5}: a T5 model (relu FFN, d_ff = 4·dim, tied head, the decoder as deep as
 * the encoder) trained by teacher forcing on JSONL (source, target) pairs, with a character
 * tokenizer whose ids 0 and 1 are pad (also the decoder start) and EOS; the last tenth of the pairs
 * is the validation split. Saves a Hugging Face T5 folder with its tokenizer.json into --out and
 * prints the decoder training's summary lines.
 */
final class T5Train {

  /** Pad (and decoder start) and EOS: code points that never occur in text. */
  static final int PAD_CHAR = 0;
  static final int EOS_CHAR = 4;

  private T5Train() {}

  /** A (source, target) pair of texts. */
  record Pair(String source, String target) {}

  static List<Pair> readPairs(Path file) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<Pair> pairs = new ArrayList<>();
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i).trim();
      if (l.isEmpty()) {
        continue;
      }
      JsonNode n;
      try {
        n = json.readTree(l);
      } catch (IOException e) {
        throw new IllegalArgumentException(file + " line " + (i + 1) + " is not JSON: " + e.getMessage());
      }
      if (n == null || !n.path("source").isTextual() || !n.path("target").isTextual()) {
        throw new IllegalArgumentException(file + " line " + (i + 1)
            + ": expected an object with string fields \"source\" and \"target\"");
      }
      pairs.add(new Pair(n.get("source").asText(), n.get("target").asText()));
    }
    if (pairs.size() < 2) {
      throw new IllegalArgumentException(file + " holds " + pairs.size()
          + " pairs; expected at least 2 (one for validation)");
    }
    return pairs;
  }

  /** The character tokenizer of the pairs: pad, EOS, then every character, sorted. */
  static CharTokenizer tokenizer(List<Pair> pairs) {
    StringBuilder all = new StringBuilder();
    pairs.forEach(p -> all.append(p.source()).append(p.target()));
    int[] chars = IntStream.concat(IntStream.of(PAD_CHAR, EOS_CHAR),
        all.codePoints().filter(c -> c != PAD_CHAR && c != EOS_CHAR).distinct().sorted()).toArray();
    return CharTokenizer.of(chars);
  }

  /** Text to ids, EOS appended. */
  static int[] ids(CharTokenizer tok, String text) {
    int[] t = tok.encode(text);
    int[] out = java.util.Arrays.copyOf(t, t.length + 1);
    out[t.length] = 1;
    return out;
  }

  static int run(TrainCommand c, PrintWriter stdout) throws IOException {
    if (!c.tokenizer.equals("char")) {
      throw new IllegalArgumentException("--arch t5 trains with --tokenizer char (got '" + c.tokenizer + "')");
    }
    if (c.resume || c.sparkMaster != null || c.accumulation != 1) {
      throw new IllegalArgumentException("--arch t5 does not support --resume, --spark or --grad-accum");
    }
    if (c.dim % c.heads != 0) {
      throw new IllegalArgumentException("--dim " + c.dim + " must be a multiple of --heads " + c.heads);
    }
    List<Pair> pairs = readPairs(c.data);
    CharTokenizer tok = tokenizer(pairs);
    int val = Math.max(1, pairs.size() / 10);
    List<int[]> src = new ArrayList<>();
    List<int[]> tgt = new ArrayList<>();
    for (Pair p : pairs) {
      src.add(ids(tok, p.source()));
      tgt.add(ids(tok, p.target()));
    }
    int n = pairs.size() - val;
    T5Config config = T5Config.builder().vocabSize(tok.vocabSize()).dModel(c.dim).numHeads(c.heads)
        .dKv(c.dim / c.heads).dFf(4 * c.dim).numLayers(c.layers).contextLength(c.block)
        .decoderStartTokenId(0).padTokenId(0).eosTokenId(1).build();
    T5Weights weights = T5Weights.random(config, c.seed);
    Seq2SeqConfig sc = new Seq2SeqConfig(c.batch, Math.toIntExact(c.iters), c.lr, c.minLr,
        Math.toIntExact(c.warmup), c.weightDecay,
        c.beta2, c.gradClip, c.evalIters, c.seed);
    int every = (int) Math.max(1, c.iters / 20);
    Seq2SeqTrainer.Result r = new Seq2SeqTrainer(weights, sc).train(src.subList(0, n),
        tgt.subList(0, n), src.subList(n, src.size()), tgt.subList(n, tgt.size()),
        (step, iters, loss) -> {
          if (step % every == 0 || step == iters) {
            System.err.printf(Locale.ROOT, "train step %d/%d loss %.4f%n", step, iters, loss);
          }
        });
    weights.save(c.out);
    Tokenizers.save(tok, c.out);
    stdout.printf(Locale.ROOT, "train_tok_per_s %.1f%n", r.tokensPerSecond());
    stdout.printf(Locale.ROOT, "final_train_loss %.4f%n", r.finalEvaluation().get("train"));
    stdout.printf(Locale.ROOT, "final_val_loss %.4f%n", r.finalEvaluation().get("val"));
    stdout.flush();
    return 0;
  }
}
