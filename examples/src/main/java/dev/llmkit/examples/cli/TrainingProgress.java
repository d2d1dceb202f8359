package dev.llmkit.examples.cli;

import dev.llmkit.examples.plot.Charts;
import dev.llmkit.training.EvaluationEvent;
import dev.llmkit.training.StepEvent;
import dev.llmkit.training.TrainingListener;
import dev.llmkit.training.TrainingResult;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Renders trainer events on stderr, as a progress bar on a terminal and as plain lines otherwise
 * ({@link ProgressLines}), and collects the loss curve for a plot.
 */
final class TrainingProgress implements TrainingListener {

  private final PrintStream err;
  private final String task;
  private ProgressBar bar;
  private ProgressBar evalBar;
  private ProgressLines lines;
  private String last = "";
  private final List<Charts.Point> train = new ArrayList<>();
  private final List<Charts.Point> val = new ArrayList<>();

  TrainingProgress(PrintStream err, String task) {
    this.err = err;
    this.task = task;
  }

  @Override
  public void onStart(long startStep, long totalSteps) {
    if (ProgressLines.plain()) {
      lines = new ProgressLines(err, task, totalSteps, startStep);
      return;
    }
    bar = new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(totalSteps)
        .setStyle(ProgressBarStyle.ASCII)
        .setConsumer(new ConsoleProgressBarConsumer(err))
        .setUpdateIntervalMillis(250)
        .hideEta()
        .build();
    bar.stepTo(startStep);
  }

  @Override
  public void onStep(StepEvent e) {
    train.add(new Charts.Point(e.step(), e.loss()));
    last = String.format(" loss %.4f lr %.2e %,.0f tok/s ETA %s", e.loss(),
        e.learningRate(), e.tokensPerSecond(), format(e.eta()));
    if (lines != null) {
      lines.update(e.step(), last);
      return;
    }
    bar.stepTo(e.step());
    bar.setExtraMessage(last);
  }

  /** A second bar for each evaluation set while it runs; the training bar waits meanwhile. */
  @Override
  public void onEvaluationBatch(String set, int batch, int batches) {
    if (lines != null) {
      return;
    }
    if (batch == 1) {
      if (bar != null) {
        bar.pause();
        err.println();
      }
      evalBar = new ProgressBarBuilder()
          .setTaskName("eval " + set)
          .setInitialMax(batches)
          .setStyle(ProgressBarStyle.ASCII)
          .setConsumer(new ConsoleProgressBarConsumer(err))
          .setUpdateIntervalMillis(250)
          .hideEta()
          .build();
    }
    if (evalBar != null) {
      evalBar.stepTo(batch);
      if (batch == batches) {
        evalBar.close();
        evalBar = null;
        if (bar != null) {
          bar.resume();
        }
      }
    }
  }

  @Override
  public void onEvaluation(EvaluationEvent e) {
    StringBuilder sb = new StringBuilder("step " + e.step() + ":");
    e.losses().forEach((k, v) -> sb.append(String.format(" %s loss %.4f (ppl %.2f)", k, v, Math.exp(v))));
    Float v = e.losses().get("val");
    if (v != null) {
      val.add(new Charts.Point(e.step(), v));
    }
    if (lines != null) {
      err.println(sb);
      return;
    }
    bar.pause();
    err.println();
    err.println(sb);
    bar.resume();
  }

  @Override
  public void onFinish(TrainingResult result) {
    if (lines != null) {
      lines.update(result.steps(), last);
      return;
    }
    bar.stepTo(result.steps());
    bar.close();
  }

  /** Writes the loss curve (training loss per step, validation loss per evaluation). */
  void plot(String title, Path png) throws java.io.IOException {
    Charts.lossCurve(title, train, val, png);
  }

  private static String format(Duration d) {
    long s = d.toSeconds();
    return String.format("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
  }
}
