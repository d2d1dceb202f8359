package dev.llmkit.examples.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code llm} command-line tool: one subcommand per capability of the library.
 *
 * <p>Run it through the {@code ./llm} script at the repository root, which builds this jar when it
 * is missing or stale. Subcommands print machine-readable lines on stdout; progress and logs go to
 * stderr.
 */
@Command(
    name = "llm",
    mixinStandardHelpOptions = true,
    versionProvider = LlmCli.Version.class,
    description = "Tokenize, run, sample from and train language models.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:bad input: a missing or corrupt file, a value the run cannot use, a failure while running",
      "2:usage error: unknown option, missing or malformed value (see the command's --help)"
    },
    subcommands = {
      CommandLine.HelpCommand.class,
      SampleCommand.class,
      TokenizeCommand.class,
      GenerateCommand.class, TemplateCommand.class, ChatCommand.class, LogitsCommand.class, BenchCommand.class,
      TrainCommand.class, FinetuneCommand.class, EstimateCommand.class,
      DemoCommand.class, ExplainCommand.class, ExampleCommand.class,
      ConvertCommand.class, QuantizeCommand.class, PerplexityCommand.class,
      FillMaskCommand.class, EmbedCommand.class,
      RankCommand.class, RewardTrainCommand.class, RlhfCommand.class, BestOfNCommand.class,
    })
public final class LlmCli implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Builds the command line with every subcommand registered. */
  public static CommandLine commandLine() {
    return CliErrors.install(new CommandLine(new LlmCli()));
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** Reads the versions written into the jar at build time. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      Properties p = new Properties();
      try (InputStream in = LlmCli.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          p.load(in);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return new String[] {
        "llm " + p.getProperty("version", "unknown"),
        "llm-tokenizer " + p.getProperty("tokenizer", "?")
            + ", llm-sampling " + p.getProperty("sampling", "?")
            + ", llm-tensor " + p.getProperty("tensor", "?")
            + ", llm-model " + p.getProperty("model", "?")
            + ", llm-training " + p.getProperty("training", "?"),
        "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"
      };
    }
  }
}
