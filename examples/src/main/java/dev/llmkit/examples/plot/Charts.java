package dev.llmkit.examples.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * PNG charts of what a person would rather look at than read: a training loss curve, the next-token
 * probabilities of a prompt, and the attention weights of one head. Drawn with JFreeChart, headless.
 */
public final class Charts {

  static {
    System.setProperty("java.awt.headless", "true");
  }

  private Charts() {}

  /** One point of a loss curve. */
  public record Point(double step, double loss) {}

  /**
   * Writes the training (and, when not empty, validation) loss against the step.
   *
   * @param train training losses, in step order
   * @param validation validation losses, in step order; may be empty
   */
  public static void lossCurve(String title, List<Point> train, List<Point> validation, Path png)
      throws IOException {
    lines(title, "cross-entropy loss (nats)", "train", train, "validation", validation, png);
  }

  /**
   * Writes a reward curve: the mean reward of each RL step's rollouts and, when not empty, a second
   * series (e.g. the share of held-out responses with the rewarded property) against the step.
   */
  public static void rewardCurve(String title, List<Point> reward, String secondName, List<Point> second,
      Path png) throws IOException {
    lines(title, "reward", "mean reward of the step's rollouts", reward, secondName, second, png);
  }

  /** A thin first series and, when not empty, a thick second one with points, against the step. */
  private static void lines(String title, String yLabel, String firstName, List<Point> first,
      String secondName, List<Point> second, Path png) throws IOException {
    XYSeriesCollection data = new XYSeriesCollection();
    XYSeries t = new XYSeries(firstName);
    first.forEach(p -> t.add(p.step(), p.loss()));
    data.addSeries(t);
    if (!second.isEmpty()) {
      XYSeries v = new XYSeries(secondName);
      second.forEach(p -> v.add(p.step(), p.loss()));
      data.addSeries(v);
    }
    NumberAxis x = new NumberAxis("step");
    NumberAxis y = new NumberAxis(yLabel);
    y.setAutoRangeIncludesZero(false);
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
    r.setSeriesPaint(0, new Color(0x1f77b4));
    r.setSeriesStroke(0, new BasicStroke(1.5f));
    r.setSeriesPaint(1, new Color(0xd62728));
    r.setSeriesStroke(1, new BasicStroke(2.5f));
    r.setSeriesShapesVisible(1, true);
    XYPlot plot = new XYPlot(data, x, y, r);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    save(new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true), png, 900, 540);
  }

  /** Writes a bar chart of the probabilities of the given candidate tokens, most likely first. */
  public static void probabilityBars(String title, List<String> tokens, double[] probabilities, Path png)
      throws IOException {
    if (tokens.size() != probabilities.length) {
      throw new IllegalArgumentException(
          tokens.size() + " token labels for " + probabilities.length + " probabilities");
    }
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    for (int i = 0; i < tokens.size(); i++) {
      // Distinct column keys even when two tokens print alike.
      data.addValue(probabilities[i], "p", new Label(i, visible(tokens.get(i))));
    }
    JFreeChart chart =
        org.jfree.chart.ChartFactory.createBarChart(
            title, "next token", "probability", data, PlotOrientation.VERTICAL, false, true, false);
    CategoryPlot plot = chart.getCategoryPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    plot.getDomainAxis().setCategoryLabelPositions(CategoryLabelPositions.UP_45);
    ((BarRenderer) plot.getRenderer()).setSeriesPaint(0, new Color(0x1f77b4));
    ((BarRenderer) plot.getRenderer()).setBarPainter(new org.jfree.chart.renderer.category.StandardBarPainter());
    ((NumberAxis) plot.getRangeAxis()).setUpperBound(Math.min(1.0, max(probabilities) * 1.1 + 1e-9));
    save(chart, png, 900, 540);
  }

  /**
   * Writes a heatmap of attention weights: row i is the query token i, column j the key token j.
   *
   * @param weights (T, T) weights of one head; each row sums to one
   */
  public static void attentionHeatmap(String title, List<String> tokens, float[][] weights, Path png)
      throws IOException {
    attentionHeatmap(title, tokens, tokens, weights, png);
  }

  /**
   * Writes a heatmap of attention weights between two sequences (e.g. cross-attention: row i is the
   * output token i, column j the input token j).
   *
   * @param weights (queries, keys) weights of one head or a head average; each row sums to one
   */
  public static void attentionHeatmap(String title, List<String> queries, List<String> keys,
      float[][] weights, Path png) throws IOException {
    int n = keys.size();
    int m = queries.size();
    if (weights.length != m || (m > 0 && weights[0].length != n)) {
      throw new IllegalArgumentException(m + " query and " + n + " key labels for a "
          + weights.length + " x " + (weights.length == 0 ? 0 : weights[0].length) + " matrix");
    }
    double[][] xyz = new double[3][m * n];
    int k = 0;
    for (int q = 0; q < m; q++) {
      for (int key = 0; key < n; key++) {
        xyz[0][k] = key;
        xyz[1][k] = q;
        xyz[2][k] = weights[q][key];
        k++;
      }
    }
    DefaultXYZDataset data = new DefaultXYZDataset();
    data.addSeries("attention", xyz);
    SymbolAxis x = new SymbolAxis("key (attended to)",
        keys.stream().map(Charts::visible).toArray(String[]::new));
    x.setVerticalTickLabels(true);
    SymbolAxis y = new SymbolAxis("query (attending)",
        queries.stream().map(Charts::visible).toArray(String[]::new));
    y.setInverted(true);
    XYBlockRenderer r = new XYBlockRenderer();
    LookupPaintScale scale = new LookupPaintScale(0.0, 1.0001, Color.WHITE);
    for (int i = 0; i <= 100; i++) {
      float v = i / 100f;
      scale.add(v, new Color(1f - 0.9f * v, 1f - 0.6f * v, 1f - 0.2f * v));
    }
    r.setPaintScale(scale);
    XYPlot plot = new XYPlot(data, x, y, r);
    plot.setBackgroundPaint(Color.WHITE);
    JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, false);
    NumberAxis scaleAxis = new NumberAxis("weight");
    scaleAxis.setRange(0, 1);
    PaintScaleLegend legend = new PaintScaleLegend(scale, scaleAxis);
    legend.setPosition(RectangleEdge.RIGHT);
    legend.setMargin(4, 4, 40, 4);
    chart.addSubtitle(legend);
    save(chart, png, Math.max(480, 40 + 28 * n) + 140, Math.max(480, 40 + 28 * m));
  }

  /** Shows whitespace so a token like " the" or "\n" is readable on an axis. */
  static String visible(String token) {
    return token.replace(" ", "\u2423").replace("\n", "\\n").replace("\t", "\\t");
  }

  private static double max(double[] v) {
    double m = 0;
    for (double d : v) {
      m = Math.max(m, d);
    }
    return m;
  }

  /** Written to a temporary file and moved into place, so a reader never sees half a PNG. */
  private static void save(JFreeChart chart, Path png, int width, int height) throws IOException {
    chart.setBackgroundPaint(Color.WHITE);
    Path abs = png.toAbsolutePath();
    if (abs.getParent() != null) {
      Files.createDirectories(abs.getParent());
    }
    Path tmp = Files.createTempFile(abs.getParent(), ".chart", ".png.tmp");
    try {
      ChartUtils.saveChartAsPNG(tmp.toFile(), chart, width, height);
      Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** A category key that keeps equal-looking tokens apart. */
  private record Label(int index, String text) implements Comparable<Label> {
    @Override
    public int compareTo(Label o) {
      return Integer.compare(index, o.index);
    }

    @Override
    public String toString() {
      return text;
    }
  }
}
