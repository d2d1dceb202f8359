package dev.llmkit.examples.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the {@code llm} command line in this JVM and captures its exit code, stdout and stderr. */
record CliRun(int rc, String out, String err) {

  static CliRun of(String... args) {
    CommandLine cli = LlmCli.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int rc = cli.execute(args);
    return new CliRun(rc, out.toString(), err.toString());
  }
}
