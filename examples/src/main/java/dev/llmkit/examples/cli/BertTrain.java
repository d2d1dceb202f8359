package dev.llmkit.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmkit.examples.CharWordPiece;
import dev.llmkit.model.bert.BertCheckpoint;
import dev.llmkit.model.bert.BertConfig;
import dev.llmkit.model.bert.BertInit;
import dev.llmkit.model.bert.BertWeights;
import dev.llmkit.model.nn.Activation;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.tokenizer.encoding.TemplateEncoder;
import dev.llmkit.training.encoder.EncoderTrainer;
import dev.llmkit.training.encoder.EncoderTrainingConfig;
import dev.llmkit.training.encoder.MlmMasking;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeSet;

/**
 * {@code llm train --arch bert}: an encoder-only model (BERT: post-norm, GELU, d_ff = 4·dim,
 * learned positions, 2 token types, MLM decoder tied to the word embeddings).
 *
 * <ul>
 *   <li>{@code --objective mlm} (default): masked-LM pretraining from scratch on a text file, cut
 *       into {@code [CLS] chunk [SEP]} sequences of --block tokens (last tenth: validation), BERT's
 *       15% dynamic masking. {@code --tokenizer char}: an uncased character-level WordPiece
 *       vocabulary ({@code [PAD] [UNK] [CLS] [SEP] [MASK]}, every character of the corpus and its
 *       {@code ##} continuation), written as {@code vocab.txt}; or the path of a BERT
 *       {@code vocab.txt}/{@code tokenizer.json}, copied.
 *   <li>{@code --objective classify}: fine-tunes a sequence classifier on JSONL lines
 *       {@code {"text": ..., "label": ...}} (labels: strings or integers, sorted), from the encoder
 *       of {@code --model DIR} (a BERT folder; its tokenizer) or from scratch with
 *       {@code --tokenizer char}; {@code --freeze-encoder} trains only the pooler and classifier.
 * </ul>
 *
 * <p>Saves a Hugging Face BERT folder into --out ({@code llm fill-mask}, {@code llm embed} load it)
 * and prints the decoder training's three summary lines.
 */
final class BertTrain {

  private BertTrain() {}

  static int run(TrainCommand c, PrintWriter stdout) throws IOException {
    if (c.resume || c.sparkMaster != null || c.accumulation != 1) {
      throw new IllegalArgumentException("--arch bert does not support --resume, --spark or --grad-accum");
    }
    if (c.dim % c.heads != 0) {
      throw new IllegalArgumentException("--dim " + c.dim + " must be a multiple of --heads " + c.heads);
    }
    if (c.block < 3) {
      throw new IllegalArgumentException("--block " + c.block + " must be >= 3 ([CLS], a token, [SEP])");
    }
    return switch (c.objective) {
      case "mlm" -> mlm(c, stdout);
      case "classify" -> classify(c, stdout);
      default -> throw new IllegalArgumentException(
          "--objective must be mlm or classify, got '" + c.objective + "'");
    };
  }

  /** The tokenizer: a fresh char-level WordPiece vocabulary of {@code text} written into out, or a file copied. */
  static Tokenizer tokenizer(String spec, String text, Path out) throws IOException {
    Files.createDirectories(out);
    if (spec.equals("char")) {
      return CharWordPiece.write(text, out);
    }
    Path p = Path.of(spec);
    if (!Files.isRegularFile(p) || !(p.getFileName().toString().equals("vocab.txt")
        || p.getFileName().toString().endsWith(".json"))) {
      throw new IllegalArgumentException("--tokenizer with --arch bert: char, or a BERT vocab.txt or "
          + "tokenizer.json file (got '" + spec + "')");
    }
    String name = p.getFileName().toString().equals("vocab.txt") ? "vocab.txt" : "tokenizer.json";
    Files.copy(p, out.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    return TemplateEncoder.load(out.resolve(name)).tokenizer();
  }

  static int special(Tokenizer tok, String name) {
    OptionalInt id = tok.tokenId(name);
    if (id.isEmpty()) {
      throw new IllegalArgumentException("--tokenizer: the vocabulary has no " + name + " token");
    }
    return id.getAsInt();
  }

  static BertConfig config(TrainCommand c, int vocab, int pad, List<String> labels) {
    return new BertConfig(vocab, c.dim, c.layers, c.heads, 4 * c.dim, c.block, 2, 1e-12f,
        Activation.GELU_ERF, pad, labels);
  }

  static EncoderTrainingConfig settings(TrainCommand c) {
    return new EncoderTrainingConfig(c.batch, Math.toIntExact(c.iters), c.lr, c.minLr,
        Math.toIntExact(c.warmup), c.weightDecay, c.beta2, c.gradClip, c.evalIters, c.seed);
  }

  static EncoderTrainer.Listener progress(long iters) {
    int every = (int) Math.max(1, iters / 20);
    return (step, n, loss) -> {
      if (step % every == 0 || step == n) {
        System.err.printf(Locale.ROOT, "train step %d/%d loss %.4f%n", step, n, loss);
      }
    };
  }

  private static int mlm(TrainCommand c, PrintWriter stdout) throws IOException {
    String text = Files.readString(c.data, StandardCharsets.UTF_8);
    Tokenizer tok = tokenizer(c.tokenizer, text, c.out);
    int cls = special(tok, "[CLS]");
    int sep = special(tok, "[SEP]");
    int pad = special(tok, "[PAD]");
    int mask = special(tok, "[MASK]");
    int[] ids = tok.encode(text);
    int chunk = c.block - 2;
    List<int[]> seqs = new ArrayList<>();
    for (int from = 0; from < ids.length; from += chunk) {
      int n = Math.min(chunk, ids.length - from);
      int[] s = new int[n + 2];
      s[0] = cls;
      System.arraycopy(ids, from, s, 1, n);
      s[n + 1] = sep;
      seqs.add(s);
    }
    if (seqs.size() < 2) {
      throw new IllegalArgumentException("--data " + c.data + " gives " + ids.length + " tokens: "
          + seqs.size() + " sequence(s) of --block " + c.block + "; expected at least 2 (one for validation)");
    }
    int val = Math.max(1, seqs.size() / 10);
    int n = seqs.size() - val;
    BertConfig config = config(c, tok.vocabSize(), pad, List.of());
    BertWeights w = BertInit.random(config, c.seed, false, true);
    System.err.printf(Locale.ROOT, "%s: %,d tokens, vocabulary %,d, %,d sequences of <= %d%n",
        c.data, ids.length, tok.vocabSize(), seqs.size(), c.block);
    int[] specials = CharWordPiece.SPECIALS.stream().mapToInt(s -> tok.tokenId(s).orElse(pad)).toArray();
    EncoderTrainer.Result r = new EncoderTrainer(w, settings(c)).trainMlm(seqs.subList(0, n),
        seqs.subList(n, seqs.size()), new MlmMasking(tok.vocabSize(), mask, specials),
        progress(c.iters));
    BertCheckpoint.save(c.out, w, null, false);
    return summary(stdout, r);
  }

  record Example(String text, String label) {}

  static List<Example> readLabelled(Path file) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<Example> out = new ArrayList<>();
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i).trim();
      if (l.isEmpty()) {
        continue;
      }
      JsonNode node;
      try {
        node = json.readTree(l);
      } catch (IOException e) {
        throw new IllegalArgumentException(file + " line " + (i + 1) + " is not JSON: " + e.getMessage());
      }
      if (node == null || !node.path("text").isTextual()
          || !(node.path("label").isTextual() || node.path("label").isIntegralNumber())) {
        throw new IllegalArgumentException(file + " line " + (i + 1)
            + ": expected an object with a string \"text\" and a string or integer \"label\"");
      }
      out.add(new Example(node.get("text").asText(), node.get("label").asText()));
    }
    if (out.size() < 2) {
      throw new IllegalArgumentException(file + " holds " + out.size()
          + " examples; expected at least 2 (one for validation)");
    }
    return out;
  }

  private static int classify(TrainCommand c, PrintWriter stdout) throws IOException {
    List<Example> data = readLabelled(c.data);
    List<String> labels = new ArrayList<>(new TreeSet<>(data.stream().map(Example::label).toList()));
    if (labels.size() < 2) {
      throw new IllegalArgumentException(c.data + ": every example has the label " + labels
          + "; expected at least 2 classes");
    }
    BertWeights base;
    TemplateEncoder enc;
    Files.createDirectories(c.out);
    if (c.initModel != null) {
      base = BertCheckpoint.load(c.initModel).weights();
      for (String f : List.of("vocab.txt", "tokenizer.json")) {
        if (Files.isRegularFile(c.initModel.resolve(f))) {
          Files.copy(c.initModel.resolve(f), c.out.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      enc = TemplateEncoder.load(c.out);
    } else {
      StringBuilder all = new StringBuilder();
      data.forEach(e -> all.append(e.text()).append('\n'));
      Tokenizer tok = tokenizer(c.tokenizer, all.toString(), c.out);
      enc = TemplateEncoder.load(c.out);
      base = BertInit.random(config(c, tok.vocabSize(), special(tok, "[PAD]"), List.of()), c.seed,
          true, false);
    }
    if (c.freezeEncoder && c.initModel == null) {
      System.err.println("warning: --freeze-encoder without --model trains a head on a random encoder");
    }
    BertWeights w = BertInit.withClassifier(base, labels, c.seed + 1);
    int maxLen = Math.min(c.block, w.config().maxPositions());
    Map<String, Integer> index = new LinkedHashMap<>();
    for (int i = 0; i < labels.size(); i++) {
      index.put(labels.get(i), i);
    }
    List<int[]> seqs = new ArrayList<>();
    int[] y = new int[data.size()];
    for (int i = 0; i < data.size(); i++) {
      seqs.add(enc.encode(data.get(i).text(), null, maxLen).ids());
      y[i] = index.get(data.get(i).label());
    }
    int val = Math.max(1, data.size() / 10);
    int n = data.size() - val;
    System.err.printf(Locale.ROOT, "%s: %,d examples, labels %s%n", c.data, data.size(), labels);
    EncoderTrainer.Result r = new EncoderTrainer(w, settings(c)).trainClassifier(seqs.subList(0, n),
        java.util.Arrays.copyOf(y, n), seqs.subList(n, seqs.size()),
        java.util.Arrays.copyOfRange(y, n, y.length), c.freezeEncoder, progress(c.iters));
    BertCheckpoint.save(c.out, w, null, false);
    summary(stdout, r);
    stdout.printf(Locale.ROOT, "final_val_accuracy %.4f%n", r.finalEvaluation().get("val_accuracy"));
    stdout.flush();
    return 0;
  }

  private static int summary(PrintWriter stdout, EncoderTrainer.Result r) {
    stdout.printf(Locale.ROOT, "train_tok_per_s %.1f%n", r.tokensPerSecond());
    stdout.printf(Locale.ROOT, "final_train_loss %.4f%n", r.finalEvaluation().get("train"));
    stdout.printf(Locale.ROOT, "final_val_loss %.4f%n", r.finalEvaluation().get("val"));
    stdout.flush();
    return 0;
  }
}
