package dev.llmkit.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;

/** Runs the {@code llm} tool in-process and reads its {@code key value} output lines. */
final class CliRun {

  /** Exit code, stdout and stderr of one run. */
  record Result(int exitCode, String out, String err) {
    /** {exit code, stdout, stderr}, the form the older tests read. */
    String[] asArray() {
      return new String[] {Integer.toString(exitCode), out, err};
    }
  }

  private CliRun() {}

  static Result run(String... args) {
    CommandLine cli = LlmCli.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int rc = cli.execute(args);
    return new Result(rc, out.toString(), err.toString());
  }

  /**
   * Runs one command object (whose stdout field the caller has already pointed elsewhere) and
   * returns its exit code and stderr; an exception becomes exit code 1 with its message on stderr.
   */
  static Result execute(Object command, String... args) {
    CommandLine cli = new CommandLine(command);
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err));
    cli.setExecutionExceptionHandler((ex, c, p) -> {
      c.getErr().print(ex.getMessage());
      return 1;
    });
    int rc = cli.execute(args);
    return new Result(rc, "", err.toString());
  }

  /** The {@code key value} lines of stdout, in order; every line must be one. */
  static Map<String, String> keyValues(String out) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String l : out.trim().split("\\R")) {
      String[] kv = l.split(" ");
      assertThat(kv).as("line '%s' is 'key value'", l).hasSize(2);
      m.put(kv[0], kv[1]);
    }
    return m;
  }
}
