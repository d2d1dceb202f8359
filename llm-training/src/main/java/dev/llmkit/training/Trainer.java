package dev.llmkit.training;

import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.training.checkpoint.TrainingCheckpoints;
import dev.llmkit.training.checkpoint.TrainingState;
import dev.llmkit.training.data.BatchSource;
import dev.llmkit.training.optim.AdamW;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop of a language model on next-token cross-entropy: for every step, draw
 * {@code accumulation} micro-batches, run forward and backward on each, average the gradients, clip
 * them by global norm, and take an AdamW step at the learning rate of the schedule.
 *
 * <p>Evaluation sets (for example the validation split) are measured every {@code evalInterval}
 * steps and after the last one: each set's batch source is reset to its initial generator state
 * before every evaluation, so every evaluation sees the same {@code evalBatches} batches.
 *
 * <p>Determinism: given the same initial parameters, seeds and thread count, the loss curve is
 * identical; a run resumed from a checkpoint continues with exactly the losses of the uninterrupted
 * run (the checkpoint holds parameters, optimiser moments, step and the batch generator's state).
 *
 * <p>A NaN or infinite loss or gradient stops training with a {@link TrainingDivergedException}
 * before the optimiser step, so no checkpoint of the diverged state is ever written.
 */
public final class Trainer {

  private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

  private final TrainableModel model;
  private final AdamW optimizer;
  private final BatchSource train;
  private final TrainerConfig config;
  private final Map<String, BatchSource> evalSets = new LinkedHashMap<>();
  private final Map<String, Long> evalStarts = new LinkedHashMap<>();
  private final List<TrainingListener> listeners = new ArrayList<>();
  private final int[] inputs;
  private final int[] targets;

  private Path checkpointDir;
  private Tokenizer tokenizer;
  private TrainingCheckpoints checkpoints = TrainingCheckpoints.huggingFace();
  private long lastCheckpointStep = -1;
  private GradientReducer reducer = GradientReducer.NONE;

  private long step;
  private long tokensSeen;

  /**
   * A trainer starting at step 0.
   *
   * @param model the model, allocated for the batch shape of {@code train}
   * @param optimizer an optimiser over {@code model.parameters()} and {@code model.gradients()}
   * @param train the training batches
   * @param config steps, accumulation, schedule, clipping, evaluation and checkpoint cadence
   */
  public Trainer(TrainableModel model, AdamW optimizer, BatchSource train, TrainerConfig config) {
    this.model = Objects.requireNonNull(model, "model");
    this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
    this.train = Objects.requireNonNull(train, "train");
    this.config = Objects.requireNonNull(config, "config");
    this.inputs = new int[train.batch() * train.block()];
    this.targets = new int[inputs.length];
  }

  /**
   * Adds an evaluation set measured at every evaluation (its batch shape must be the training one).
   *
   * @param name the set's name in {@link EvaluationEvent#losses()}, e.g. {@code "val"}
   */
  public Trainer addEvaluation(String name, BatchSource source) {
    Objects.requireNonNull(name, "name");
    if (source.batch() != train.batch() || source.block() != train.block()) {
      throw new IllegalArgumentException("evaluation set " + name + " has batch shape "
          + source.batch() + "x" + source.block() + ", training uses " + train.batch() + "x"
          + train.block());
    }
    evalSets.put(name, source);
    evalStarts.put(name, source.rngState());
    return this;
  }

  /** Adds a listener. */
  public Trainer addListener(TrainingListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
    return this;
  }

  /**
   * Writes checkpoints into {@code dir} (every {@code checkpointInterval} steps and after the last
   * step), with {@code tokenizer} beside the model when not null, in the default store: a
   * Hugging Face folder ({@link TrainingCheckpoints#huggingFace()}) that {@code Checkpoints.load}
   * reads as a model.
   */
  public Trainer checkpointTo(Path dir, Tokenizer tokenizer) {
    return checkpointTo(dir, tokenizer, TrainingCheckpoints.huggingFace());
  }

  /**
   * Writes checkpoints into {@code dir} (every {@code checkpointInterval} steps and after the last
   * step), with {@code tokenizer} beside the model when not null.
   */
  public Trainer checkpointTo(Path dir, Tokenizer tokenizer, TrainingCheckpoints checkpoints) {
    this.checkpointDir = Objects.requireNonNull(dir, "dir");
    this.tokenizer = tokenizer;
    this.checkpoints = Objects.requireNonNull(checkpoints, "checkpoints");
    return this;
  }

  /**
   * Averages gradients across data-parallel replicas with {@code reducer} after every step's
   * backward, before clipping (default {@link GradientReducer#NONE}: this trainer is the only one).
   */
  public Trainer reduceGradientsWith(GradientReducer reducer) {
    this.reducer = Objects.requireNonNull(reducer, "reducer");
    return this;
  }

  /**
   * Bytes of tensor memory this run holds, all allocated before the first step and constant after:
   * {@link TrainableModel#trainingBytes()} (parameters, gradients, activations) plus
   * {@link AdamW#stateBytes()} (the moments): the buffers the model and optimiser allocate once,
   * before the first step, and hold for the whole run.
   */
  public long peakMemoryBytes() {
    return model.trainingBytes() + optimizer.stateBytes();
  }

  /** Steps completed so far. */
  public long step() {
    return step;
  }

  /** The shape a checkpoint of this run records and a resume checks. */
  public TrainingState.RunShape runShape() {
    return new TrainingState.RunShape(model.parameters().config().toString(), train.batch(),
        train.block(), config.accumulation());
  }

  /**
   * Restores parameters, optimiser state, step and batch generator from the checkpoint in
   * {@code dir}; {@link #run()} then continues from there.
   *
   * <p>The step count of the {@link TrainerConfig} is the whole run's, not the steps left: a run
   * configured for 1000 steps and resumed from a checkpoint of step 400 runs steps 401 to 1000, and
   * ends bit-identical to an uninterrupted run of 1000 steps. Build the resumed trainer with the
   * same configuration (and the same {@link TrainingCheckpoints} store) as the interrupted one.
   *
   * @return the step the checkpoint was written at
   * @throws IllegalArgumentException when the checkpoint belongs to another configuration
   * @throws UncheckedIOException when it is missing or corrupt
   */
  public long resumeFrom(Path dir) {
    try {
      TrainingState s = checkpoints.restore(dir, runShape(), model.parameters(), optimizer);
      if (s.step() > config.steps()) {
        throw new IllegalArgumentException("checkpoint " + dir + " is at step " + s.step()
            + ", beyond this run's " + config.steps() + " steps");
      }
      step = s.step();
      tokensSeen = s.tokensSeen();
      train.setRngState(s.rngState());
      lastCheckpointStep = step;
      LOG.info("resumed from {} at step {}", dir, step);
      return step;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot resume from " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Runs the remaining steps, evaluating and checkpointing as configured.
   *
   * @return losses, final evaluation and throughput
   * @throws TrainingDivergedException when a loss or gradient norm is not finite
   * @throws UncheckedIOException when a checkpoint cannot be written
   */
  public TrainingResult run() {
    long total = config.steps();
    long first = step;
    for (TrainingListener l : listeners) {
      l.onStart(first, total);
    }
    int accumulation = config.accumulation();
    long tokensPerStep = (long) inputs.length * accumulation;
    float[] losses = new float[(int) (total - first)];
    long trainNanos = 0;
    long runStart = System.nanoTime();
    Map<String, Float> lastEval = Map.of();
    long lastEvalStep = -1;
    while (step < total) {
      long t0 = System.nanoTime();
      double lr = config.schedule().learningRate(step);
      long stepNo = step + 1;
      model.zeroGrad();
      float loss = 0f;
      for (int micro = 0; micro < accumulation; micro++) {
        train.next(inputs, targets);
        float l = model.forward(inputs, targets);
        if (!Float.isFinite(l)) {
          throw diverged(stepNo, "loss is " + l + " at step " + stepNo + " (micro-batch " + micro + ")");
        }
        model.backward();
        loss += l / accumulation;
      }
      loss = reducer.allReduceMean(model.gradients(), loss);
      double norm = GradientNorms.scaleAndClip(
          model.gradients(), 1f / accumulation, config.gradientClip());
      if (!Double.isFinite(norm)) {
        throw diverged(stepNo, "gradient norm is " + norm + " at step " + stepNo + " (loss " + loss + ")");
      }
      optimizer.step((float) lr);
      step = stepNo;
      tokensSeen += tokensPerStep;
      long dt = System.nanoTime() - t0;
      trainNanos += dt;
      losses[(int) (step - first - 1)] = loss;
      double elapsed = (System.nanoTime() - runStart) / 1e9;
      Duration eta = Duration.ofMillis((long) (1000 * elapsed / (step - first) * (total - step)));
      StepEvent ev = new StepEvent(step, total, loss, lr, norm, tokensPerStep / (dt / 1e9), eta);
      for (TrainingListener l : listeners) {
        l.onStep(ev);
      }
      boolean last = step == total;
      if (!evalSets.isEmpty()
          && (last || (config.evalInterval() > 0 && step % config.evalInterval() == 0))) {
        lastEval = evaluate();
        lastEvalStep = step;
        EvaluationEvent ee = new EvaluationEvent(step, lastEval);
        for (TrainingListener l : listeners) {
          l.onEvaluation(ee);
        }
      }
      if (checkpointDir != null
          && (last || (config.checkpointInterval() > 0 && step % config.checkpointInterval() == 0))) {
        saveCheckpoint();
      }
    }
    if (!evalSets.isEmpty() && lastEvalStep != step) {
      lastEval = evaluate();
      EvaluationEvent ee = new EvaluationEvent(step, lastEval);
      for (TrainingListener l : listeners) {
        l.onEvaluation(ee);
      }
    }
    double seconds = trainNanos / 1e9;
    TrainingResult result = new TrainingResult(step, losses, lastEval,
        seconds > 0 ? tokensPerStep * (step - first) / seconds : 0, seconds);
    for (TrainingListener l : listeners) {
      l.onFinish(result);
    }
    return result;
  }

  /**
   * Measures every evaluation set now: the mean loss over {@code evalBatches} batches, each set
   * starting from its initial generator state.
   */
  public Map<String, Float> evaluate() {
    Map<String, Float> out = new LinkedHashMap<>();
    for (Map.Entry<String, BatchSource> e : evalSets.entrySet()) {
      BatchSource src = e.getValue();
      src.setRngState(evalStarts.get(e.getKey()));
      double sum = 0;
      for (int i = 0; i < config.evalBatches(); i++) {
        src.next(inputs, targets);
        sum += model.forward(inputs, targets);
        for (TrainingListener l : listeners) {
          l.onEvaluationBatch(e.getKey(), i + 1, config.evalBatches());
        }
      }
      out.put(e.getKey(), (float) (sum / config.evalBatches()));
    }
    return out;
  }

  private void saveCheckpoint() {
    try {
      checkpoints.save(checkpointDir, model.parameters(), tokenizer, optimizer,
          new TrainingState(step, train.rngState(), tokensSeen, runShape()));
      lastCheckpointStep = step;
      for (TrainingListener l : listeners) {
        l.onCheckpoint(step, checkpointDir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot write the checkpoint of step " + step + " to " + checkpointDir, e);
    }
  }

  private TrainingDivergedException diverged(long stepNo, String what) {
    String where = checkpointDir == null
        ? "no checkpoint directory was set"
        : lastCheckpointStep < 0
            ? "no checkpoint was written yet"
            : "the last good checkpoint (step " + lastCheckpointStep + ") in " + checkpointDir
                + " is intact";
    return new TrainingDivergedException(stepNo, "training diverged: " + what + "; " + where);
  }
}
