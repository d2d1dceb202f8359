package dev.llmkit.sampling.processors;

/** The history window shared by the penalties. */
final class Penalties {

  private Penalties() {}

  static int window(int window) {
    if (window < 0) {
      throw new IllegalArgumentException(
          "penalty window is " + window + "; expected an integer >= 0 (0: the whole history)");
    }
    return window;
  }

  /** The first history position a penalty looks at. */
  static int start(int size, int window) {
    return window == 0 ? 0 : Math.max(0, size - window);
  }
}
