package dev.llmkit.model.nn;

import dev.llmkit.model.config.ModelConfig;
import dev.llmkit.model.config.ModelConfig.NormType;
import dev.llmkit.model.config.ModelConfig.PositionEncoding;
import dev.llmkit.model.weights.LayerWeights;
import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.RopeStyle;
import dev.llmkit.tensor.Tensor;

/**
 * An independent, deliberately naive reference of the transformer forward pass for tests: double
 * precision, plain arrays, no KV cache (the whole sequence every time), every formula written out
 * from the papers, no llm-tensor kernel used.
 */
final class ReferenceTransformer {

  private final ModelConfig c;
  private final ModelWeights w;

  ReferenceTransformer(ModelWeights w) {
    this.c = w.config();
    this.w = w;
  }

  /** ids (T) -> logits (T, V) of every position. */
  double[][] logits(int[] ids) {
    return run(ids, null);
  }

  /** ids (T) -> attention weights [layer][head][query][key] (zeros above the diagonal). */
  double[][][][] attention(int[] ids) {
    double[][][][] att = new double[c.nLayers()][][][];
    run(ids, att);
    return att;
  }

  private double[][] run(int[] ids, double[][][][] attOut) {
    int T = ids.length;
    int C = c.dim();
    double[][] x = new double[T][C];
    for (int t = 0; t < T; t++) {
      for (int i = 0; i < C; i++) {
        x[t][i] = at(w.tokenEmbedding(), ids[t], i, C);
        if (c.positions() == PositionEncoding.LEARNED) {
          x[t][i] += at(w.positionEmbedding(), t, i, C);
        } else if (c.positions() == PositionEncoding.SINUSOIDAL) {
          int pair = i / 2;
          double angle = t / Math.pow(10000.0, 2.0 * pair / C);
          x[t][i] += i % 2 == 0 ? Math.sin(angle) : Math.cos(angle);
        }
      }
    }
    for (int l = 0; l < c.nLayers(); l++) {
      LayerWeights lw = w.layer(l);
      double[][][] att = attOut == null ? null : (attOut[l] = new double[c.nHeads()][T][T]);
      if (c.preNorm()) {
        add(x, attention(norm(x, lw.attnNormWeight(), lw.attnNormBias()), lw, att));
        add(x, ffn(norm(x, lw.mlpNormWeight(), lw.mlpNormBias()), lw));
      } else {
        add(x, attention(x, lw, att));
        x = norm(x, lw.attnNormWeight(), lw.attnNormBias());
        add(x, ffn(x, lw));
        x = norm(x, lw.mlpNormWeight(), lw.mlpNormBias());
      }
    }
    x = norm(x, w.finalNormWeight(), w.finalNormBias());
    return linear(x, w.lmHead(), null);
  }

  private double[][] attention(double[][] in, LayerWeights lw, double[][][] attOut) {
    int T = in.length;
    int hd = c.headDim();
    double[][] q = linear(in, lw.wq(), lw.bq());
    double[][] k = linear(in, lw.wk(), lw.bk());
    double[][] v = linear(in, lw.wv(), lw.bv());
    if (c.positions() == PositionEncoding.ROTARY) {
      rotate(q, c.nHeads());
      rotate(k, c.nKvHeads());
    }
    double[][] out = new double[T][c.nHeads() * hd];
    int group = c.nHeads() / c.nKvHeads();
    for (int h = 0; h < c.nHeads(); h++) {
      int kvh = h / group;
      for (int i = 0; i < T; i++) {
        double[] s = new double[i + 1];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j <= i; j++) {
          double dot = 0;
          for (int d = 0; d < hd; d++) {
            dot += q[i][h * hd + d] * k[j][kvh * hd + d];
          }
          s[j] = dot / Math.sqrt(hd);
          max = Math.max(max, s[j]);
        }
        double sum = 0;
        for (int j = 0; j <= i; j++) {
          s[j] = Math.exp(s[j] - max);
          sum += s[j];
        }
        for (int j = 0; j <= i; j++) {
          s[j] /= sum;
          if (attOut != null) {
            attOut[h][i][j] = s[j];
          }
          for (int d = 0; d < hd; d++) {
            out[i][h * hd + d] += s[j] * v[j][kvh * hd + d];
          }
        }
      }
    }
    return linear(out, lw.wo(), lw.bo());
  }

  /** Rotary embedding of every head of every row, position = row index. */
  private void rotate(double[][] x, int heads) {
    int hd = c.headDim();
    for (int t = 0; t < x.length; t++) {
      for (int h = 0; h < heads; h++) {
        for (int i = 0; i < hd / 2; i++) {
          double freq = Math.pow(c.ropeTheta(), -2.0 * i / hd);
          double cos = Math.cos(t * freq);
          double sin = Math.sin(t * freq);
          int a;
          int b;
          if (c.ropeStyle() == RopeStyle.ADJACENT_PAIRS) {
            a = h * hd + 2 * i;
            b = a + 1;
          } else {
            a = h * hd + i;
            b = a + hd / 2;
          }
          double x0 = x[t][a];
          double x1 = x[t][b];
          x[t][a] = x0 * cos - x1 * sin;
          x[t][b] = x0 * sin + x1 * cos;
        }
      }
    }
  }

  private double[][] ffn(double[][] in, LayerWeights lw) {
    double[][] h = linear(in, lw.w1(), lw.b1());
    double[][] up = lw.w3() == null ? null : linear(in, lw.w3(), null);
    for (int t = 0; t < h.length; t++) {
      for (int i = 0; i < h[t].length; i++) {
        double a = h[t][i];
        h[t][i] = switch (c.activation()) {
          case RELU -> Math.max(0, a);
          case GELU_TANH -> 0.5 * a * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (a + 0.044715 * a * a * a)));
          case GELU_ERF -> 0.5 * a * (1 + erf(a / Math.sqrt(2)));
          case SWIGLU -> a / (1 + Math.exp(-a)) * up[t][i];
          case GEGLU_TANH -> 0.5 * a * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (a + 0.044715 * a * a * a))) * up[t][i];
        };
      }
    }
    return linear(h, lw.w2(), lw.b2());
  }

  private double[][] norm(double[][] x, Tensor weight, Tensor bias) {
    int C = x[0].length;
    double[][] out = new double[x.length][C];
    for (int t = 0; t < x.length; t++) {
      double mean = 0;
      if (c.norm() == NormType.LAYER_NORM) {
        for (double v : x[t]) {
          mean += v;
        }
        mean /= C;
      }
      double var = 0;
      for (double v : x[t]) {
        var += (v - mean) * (v - mean);
      }
      var /= C;
      double r = 1 / Math.sqrt(var + c.normEps());
      for (int i = 0; i < C; i++) {
        out[t][i] = (x[t][i] - mean) * r * weight.getFlat(i) + (bias == null ? 0 : bias.getFlat(i));
      }
    }
    return out;
  }

  /** x (T, in) · wᵀ with w (out, in), plus b (out). */
  private static double[][] linear(double[][] x, Tensor w, Tensor b) {
    int out = w.dim(0);
    int in = w.dim(1);
    float[] wa = w.toArray();
    double[][] y = new double[x.length][out];
    for (int t = 0; t < x.length; t++) {
      for (int o = 0; o < out; o++) {
        double s = b == null ? 0 : b.getFlat(o);
        for (int i = 0; i < in; i++) {
          s += x[t][i] * wa[o * in + i];
        }
        y[t][o] = s;
      }
    }
    return y;
  }

  private static void add(double[][] acc, double[][] d) {
    for (int t = 0; t < acc.length; t++) {
      for (int i = 0; i < acc[t].length; i++) {
        acc[t][i] += d[t][i];
      }
    }
  }

  private static double at(Tensor t, int row, int col, int cols) {
    return t.getFlat(row * cols + col);
  }

  /** erf by its Maclaurin series (|x| < 3) or continued fraction: ~1e-15 accuracy, for tests only. */
  static double erf(double x) {
    double ax = Math.abs(x);
    double r;
    if (ax < 3) {
      double term = ax;
      double sum = ax;
      for (int n = 1; n < 200; n++) {
        term *= -ax * ax / n;
        double add = term / (2 * n + 1);
        sum += add;
        if (Math.abs(add) < 1e-17) {
          break;
        }
      }
      r = 2 / Math.sqrt(Math.PI) * sum;
    } else {
      // erfc continued fraction (Lentz), ample for |x| >= 3
      double f = 0;
      for (int n = 60; n >= 1; n--) {
        f = n / 2.0 / (ax + f);
      }
      r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
    }
    return x < 0 ? -r : r;
  }
}
