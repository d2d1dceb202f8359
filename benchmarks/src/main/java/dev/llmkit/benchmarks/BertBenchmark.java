package dev.llmkit.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.llmkit.model.bert.BertModel;
import dev.llmkit.model.bert.OnnxBertImport;
import dev.llmkit.model.bert.Pooling;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encoder throughput on all-MiniLM-L6-v2 (6 layers, 384 wide; the ONNX export inside the
 * langchain4j artifact): one operation embeds a batch of 32 sentences (mean pooling, L2
 * normalisation). {@code llmkit} is this library's {@link BertModel} on the weights imported from
 * that ONNX file (packed batch, one sgemm per projection over every token); {@code onnxruntime} is
 * ONNX Runtime's Java API running the original file on the same ids as a padded batch with an
 * attention mask (how LangChain4j runs it), default session options. Sentences/s = ops/s x 32.
 *
 * <p>{@code lengths}: {@code mixed} = 32 sentences of 8..128 tokens ({@code 8 + (37 i) mod 121},
 * mean 68, the same lengths as scripts/bench_torch_bert.py), {@code full} = 32 x 128 tokens. The ids
 * are random ([CLS] first, [SEP] last): content does not change the work.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
public class BertBenchmark {

  static final int BATCH = 32;

  @Param({"mixed", "full"})
  public String lengths;

  private BertModel model;
  private int[][] ids;
  private int[][] types;
  private OrtEnvironment env;
  private OrtSession session;
  private long[][] paddedIds;
  private long[][] mask;
  private long[][] paddedTypes;

  /** The sentence lengths of {@code lengths}. */
  static int[] lengths(String kind) {
    int[] n = new int[BATCH];
    for (int i = 0; i < BATCH; i++) {
      n[i] = kind.equals("full") ? 128 : 8 + (37 * i) % 121;
    }
    return n;
  }

  @Setup(Level.Trial)
  public void setUp() throws IOException, OrtException {
    Path onnx = Files.createTempFile("minilm", ".onnx");
    try (InputStream in = BertBenchmark.class.getResourceAsStream("/all-minilm-l6-v2.onnx")) {
      Files.copy(in, onnx, StandardCopyOption.REPLACE_EXISTING);
    }
    model = new BertModel(OnnxBertImport.read(onnx));
    int[] n = lengths(lengths);
    SplittableRandom r = new SplittableRandom(42);
    ids = new int[BATCH][];
    types = new int[BATCH][];
    int t = 0;
    for (int i = 0; i < BATCH; i++) {
      ids[i] = new int[n[i]];
      types[i] = new int[n[i]];
      for (int j = 0; j < n[i]; j++) {
        ids[i][j] = j == 0 ? 101 : j == n[i] - 1 ? 102 : r.nextInt(1000, 30000);
      }
      t = Math.max(t, n[i]);
    }
    paddedIds = new long[BATCH][t];
    mask = new long[BATCH][t];
    paddedTypes = new long[BATCH][t];
    for (int i = 0; i < BATCH; i++) {
      for (int j = 0; j < n[i]; j++) {
        paddedIds[i][j] = ids[i][j];
        mask[i][j] = 1;
      }
    }
    env = OrtEnvironment.getEnvironment();
    session = env.createSession(onnx.toString(), new OrtSession.SessionOptions());
    Files.delete(onnx);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws OrtException {
    session.close();
  }

  @Benchmark
  public float[][] llmkit() {
    return model.embed(ids, types, Pooling.MEAN, true);
  }

  @Benchmark
  public float[][] onnxruntime() throws OrtException {
    try (OnnxTensor a = OnnxTensor.createTensor(env, paddedIds);
        OnnxTensor m = OnnxTensor.createTensor(env, mask);
        OnnxTensor ty = OnnxTensor.createTensor(env, paddedTypes);
        OrtSession.Result out = session.run(
            Map.of("input_ids", a, "attention_mask", m, "token_type_ids", ty))) {
      float[][][] h = (float[][][]) out.get(0).getValue();
      float[][] e = new float[BATCH][];
      for (int i = 0; i < BATCH; i++) {
        int n = ids[i].length;
        float[] v = new float[h[i][0].length];
        double ss = 0;
        for (int k = 0; k < v.length; k++) {
          double s = 0;
          for (int j = 0; j < n; j++) {
            s += h[i][j][k];
          }
          v[k] = (float) (s / n);
          ss += v[k] * v[k];
        }
        float inv = (float) (1 / Math.max(Math.sqrt(ss), 1e-12));
        for (int k = 0; k < v.length; k++) {
          v[k] *= inv;
        }
        e[i] = v;
      }
      return e;
    }
  }
}
