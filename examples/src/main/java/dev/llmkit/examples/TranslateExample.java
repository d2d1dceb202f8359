package dev.llmkit.examples;

import dev.llmkit.examples.plot.Charts;
import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.generate.BeamSearch;
import dev.llmkit.model.generate.BeamSearchOptions;
import dev.llmkit.model.t5.T5Config;
import dev.llmkit.model.t5.T5Decoder;
import dev.llmkit.model.t5.T5Model;
import dev.llmkit.model.t5.T5Session;
import dev.llmkit.model.t5.T5Weights;
import dev.llmkit.sampling.Logits;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.training.seq2seq.Seq2SeqConfig;
import dev.llmkit.training.seq2seq.Seq2SeqTrainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The encoder–decoder architecture on a task it generates: "translating" English number words into
 * digits ({@code three hundred forty two} → {@code 3 4 2}). A small T5 (2 encoder and 2 decoder
 * blocks, width 64) is trained by teacher forcing on 900 of the numbers 0–999, then decodes the 100
 * numbers it never saw greedily and with beam search (4 beams, the beams advanced in one batched
 * step), reporting the exact match of both, and the cross-attention of one of them is drawn as a
 * heatmap (which input word each output digit looked at).
 *
 * <p>Usage: {@code ./llm example translate [ITERS] [HEATMAP.png]} (defaults 1500, translate-attention.png).
 */
public final class TranslateExample {

  static final String[] ONES = {"zero", "one", "two", "three", "four", "five", "six", "seven",
      "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
      "seventeen", "eighteen", "nineteen"};
  static final String[] TENS = {"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy",
      "eighty", "ninety"};
  /** Ids: 0 pad (also the decoder start), 1 EOS, then the digits, then the words. */
  static final List<String> VOCAB = new ArrayList<>();

  static {
    VOCAB.add("<pad>");
    VOCAB.add("</s>");
    for (int d = 0; d < 10; d++) {
      VOCAB.add(Integer.toString(d));
    }
    VOCAB.addAll(Arrays.asList(ONES));
    for (int t = 2; t < 10; t++) {
      VOCAB.add(TENS[t]);
    }
    VOCAB.add("hundred");
  }

  private TranslateExample() {}

  /** English words of 0 ≤ n ≤ 999, e.g. 342 → "three hundred forty two". */
  static String words(int n) {
    if (n < 0 || n > 999) {
      throw new IllegalArgumentException("number " + n + " is outside 0..999");
    }
    List<String> w = new ArrayList<>();
    if (n >= 100) {
      w.add(ONES[n / 100]);
      w.add("hundred");
      n %= 100;
      if (n == 0) {
        return String.join(" ", w);
      }
    }
    if (n < 20) {
      w.add(ONES[n]);
    } else {
      w.add(TENS[n / 10]);
      if (n % 10 != 0) {
        w.add(ONES[n % 10]);
      }
    }
    return String.join(" ", w);
  }

  /** Space-separated tokens of the vocabulary to ids, EOS appended. */
  static int[] ids(String text) {
    String[] parts = text.split(" ");
    int[] out = new int[parts.length + 1];
    for (int i = 0; i < parts.length; i++) {
      out[i] = VOCAB.indexOf(parts[i]);
      if (out[i] < 0) {
        throw new IllegalArgumentException("'" + parts[i] + "' is not in the vocabulary");
      }
    }
    out[parts.length] = 1;
    return out;
  }

  /** The digits of n as tokens: 342 → "3 4 2". */
  static String digits(int n) {
    return String.join(" ", Integer.toString(n).split(""));
  }

  /** Beam search with {@code beams} beams: the best finished hypothesis, its EOS included. */
  static int[] beamDecode(T5Model model, int[] source, int max, int beams) {
    T5Decoder d = model.conditionedOn(source);
    BeamSearchOptions o = BeamSearchOptions.of(beams, max).withEosTokens(Set.of(1));
    return new BeamSearch(d).search(d.startIds(), o).get(0).tokens();
  }

  /** Greedy decoding: the most likely next digit until EOS. */
  static int[] decode(T5Model model, int[] source, int max) {
    T5Decoder d = model.conditionedOn(source);
    int[] out = new int[max];
    int n = 0;
    try (InferenceSession s = d.newSession()) {
      float[] logits = s.forward(d.startIds());
      while (n < max) {
        out[n++] = Logits.argmax(logits);
        if (out[n - 1] == 1) {
          break;
        }
        logits = s.forward(out, n - 1, 1);
      }
    }
    return Arrays.copyOf(out, n);
  }

  public static void main(String[] args) throws Exception {
    int iters = args.length > 0 ? Integer.parseInt(args[0]) : 1500;
    Path png = Path.of(args.length > 1 ? args[1] : "translate-attention.png");
    List<Integer> numbers = new ArrayList<>();
    for (int n = 0; n < 1000; n++) {
      numbers.add(n);
    }
    Collections.shuffle(numbers, new Random(14));
    List<Integer> heldOut = numbers.subList(0, 100);
    List<Integer> train = numbers.subList(100, 1000);
    List<int[]> src = new ArrayList<>();
    List<int[]> tgt = new ArrayList<>();
    for (int n : train) {
      src.add(ids(words(n)));
      tgt.add(ids(digits(n)));
    }
    T5Config config = T5Config.builder().vocabSize(VOCAB.size()).dModel(64).numHeads(4).dKv(16)
        .dFf(256).numLayers(2).numBuckets(16).maxDistance(32).contextLength(16).build();
    T5Weights weights = T5Weights.random(config, 14);
    System.out.printf("T5 of %,d parameters; %d training pairs, %d held out, e.g. \"%s\" -> \"%s\"%n",
        weights.named().values().stream().mapToLong(Tensor::length).sum(), train.size(),
        heldOut.size(), words(heldOut.get(0)), digits(heldOut.get(0)));
    Seq2SeqConfig sc = new Seq2SeqConfig(32, iters, 3e-3, 3e-4, 50, 0.01f, 0.99f, 1f, 4, 14);
    int every = Math.max(1, iters / 10);
    long t0 = System.nanoTime();
    Seq2SeqTrainer.Result r = new Seq2SeqTrainer(weights, sc).train(src, tgt, List.of(), List.of(),
        (step, total, loss) -> {
          if (step % every == 0) {
            System.out.printf("step %5d  loss %.4f%n", step, loss);
          }
        });
    System.out.printf("trained %d steps in %.0f s (%.0f target tokens/s)%n", iters,
        (System.nanoTime() - t0) / 1e9, r.tokensPerSecond());
    T5Model model = new T5Model(weights);
    int exact = 0;
    int exactBeam = 0;
    for (int n : heldOut) {
      int[] want = ids(digits(n));
      exact += Arrays.equals(decode(model, ids(words(n)), 6), want) ? 1 : 0;
      exactBeam += Arrays.equals(beamDecode(model, ids(words(n)), 6, 4), want) ? 1 : 0;
    }
    for (int n : heldOut.subList(0, 5)) {
      System.out.printf("  %-30s -> %s%n", words(n), text(decode(model, ids(words(n)), 6)));
    }
    System.out.printf("exact_match %.1f%% (%d of %d held-out numbers, greedy)%n",
        100.0 * exact / heldOut.size(), exact, heldOut.size());
    System.out.printf("exact_match %.1f%% (%d of %d held-out numbers, beam search, 4 beams)%n",
        100.0 * exactBeam / heldOut.size(), exactBeam, heldOut.size());
    // cross-attention of the last decoder layer, averaged over heads, for one held-out number
    int n = heldOut.get(0);
    int[] source = ids(words(n));
    int[] out = decode(model, source, 6);
    int[] decoderIn = new int[out.length];
    System.arraycopy(out, 0, decoderIn, 1, out.length - 1);
    T5Model.Attentions a = model.attentions(source, decoderIn);
    Tensor cross = a.cross()[a.cross().length - 1];
    float[][] w = new float[out.length][source.length];
    for (int h = 0; h < cross.dim(0); h++) {
      for (int i = 0; i < out.length; i++) {
        for (int j = 0; j < source.length; j++) {
          w[i][j] += cross.get(h, i, j) / cross.dim(0);
        }
      }
    }
    Charts.attentionHeatmap("cross-attention: \"" + words(n) + "\"", labels(out), labels(source), w, png);
    System.out.println("wrote " + png + " (which input word each output digit looked at)");
  }

  private static List<String> labels(int[] ids) {
    List<String> l = new ArrayList<>();
    for (int id : ids) {
      l.add(VOCAB.get(id));
    }
    return l;
  }

  private static String text(int[] ids) {
    return String.join(" ", labels(ids));
  }
}
