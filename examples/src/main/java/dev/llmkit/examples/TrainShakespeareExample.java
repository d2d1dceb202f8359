package dev.llmkit.examples;

import dev.llmkit.training.StepEvent;
import dev.llmkit.training.TrainingListener;
import dev.llmkit.training.TrainingResult;

/**
 * Training, the way the classic explanation tells it: show the text, predict each next character,
 * measure the error with cross-entropy, backpropagate, let AdamW adjust the weights, repeat. A small
 * character-level GPT learns Tiny Shakespeare; it writes before and after.
 *
 * <p>Run: {@code ./llm example train-shakespeare [iters]} (default 500 steps)
 */
public final class TrainShakespeareExample {

  public static void main(String[] args) throws Exception {
    long iters = args.length > 0 ? Long.parseLong(args[0]) : 500;
    ShakespeareModel m = ShakespeareModel.create(1337);
    System.out.printf("%,d parameters, vocabulary of %d characters%n",
        m.weights().parameterCount(), m.tokenizer().vocabSize());
    System.out.println("before training:\n" + m.sample("ROMEO:\n", 200, 1) + "\n");

    TrainingListener every100 = new TrainingListener() {
      @Override
      public void onStep(StepEvent e) {
        if (e.step() % 100 == 0 || e.step() == 1) {
          System.out.printf("step %5d  loss %.4f  lr %.2e  %,.0f tokens/s%n",
              e.step(), e.loss(), e.learningRate(), e.tokensPerSecond());
        }
      }
    };
    TrainingResult r = m.train(iters, 1337, every100);
    System.out.printf("validation loss after %d steps: %.4f%n%n", r.steps(), r.finalEvaluation().get("val"));
    System.out.println("after training:\n" + m.sample("ROMEO:\n", 200, 1));
  }
}
