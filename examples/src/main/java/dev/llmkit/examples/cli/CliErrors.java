package dev.llmkit.examples.cli;

import dev.llmkit.tokenizer.UntrustedText;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * How {@code llm} reports errors, in one place: one line on stderr, starting with the verb
 * ({@code llm train: }), naming the option and the path where there is one, with the library's
 * internal names ({@code maxTokens}, {@code TrainableModel: batch}) replaced by option names.
 *
 * <p>Exit codes: 0 success; {@value #BAD_INPUT} bad input (a missing or corrupt file, a value the
 * run cannot use, a failure while running); {@value #USAGE} usage error (unknown option, missing or
 * malformed value), for which the line is followed by a pointer to {@code --help}.
 */
final class CliErrors {

  /** Exit code of bad input. */
  static final int BAD_INPUT = 1;
  /** Exit code of a usage error. */
  static final int USAGE = 2;

  /** Library parameter names and the options that set them, where a command has the option. */
  private static final Map<String, String> ALIASES = Map.of(
      "contextLength", "--block", "nLayers", "--layers", "nHeads", "--heads",
      "vocabSize", "--vocab-size", "maxTokens", "--max-tokens", "ffnDim", "--ffn-dim");

  private CliErrors() {}

  /** Installs both handlers. */
  static CommandLine install(CommandLine cli) {
    cli.setParameterExceptionHandler(CliErrors::usage);
    cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> failure(ex, commandLine));
    return cli;
  }

  private static int usage(CommandLine.ParameterException ex, String[] args) {
    CommandLine c = ex.getCommandLine();
    String verb = c.getCommandSpec().qualifiedName();
    String msg = ex.getMessage() == null ? "invalid command line" : ex.getMessage().strip();
    int nl = msg.indexOf('\n');
    PrintWriter err = c.getErr();
    err.println(verb + ": " + UntrustedText.message(nl < 0 ? msg : msg.substring(0, nl)));
    err.println("Try '" + verb + " --help' for more information.");
    err.flush();
    return USAGE;
  }

  private static int failure(Exception ex, CommandLine c) {
    PrintWriter err = c.getErr();
    err.println(c.getCommandSpec().qualifiedName() + ": " + describe(ex, c));
    if (System.getenv("LLM_DEBUG") != null) {
      ex.printStackTrace(err);
    }
    err.flush();
    return BAD_INPUT;
  }

  /** The one-line description of a failure. */
  static String describe(Throwable ex, CommandLine c) {
    while ((ex instanceof UncheckedIOException || ex instanceof java.util.concurrent.ExecutionException
        || ex instanceof java.lang.reflect.InvocationTargetException) && ex.getCause() != null) {
      ex = ex.getCause();
    }
    String line;
    if (ex instanceof FileSystemException fs && fs.getFile() != null) {
      String problem = ex instanceof NoSuchFileException ? "no such file or folder"
          : ex instanceof AccessDeniedException ? "permission denied"
          : fs.getReason() != null ? fs.getReason() : ex.getClass().getSimpleName();
      String other = fs.getOtherFile() == null ? "" : " (and " + fs.getOtherFile() + ")";
      line = withOption(fs.getFile(), c) + other + ": " + problem;
    } else if (ex instanceof java.io.IOException && "Is a directory".equals(ex.getMessage())) {
      // thrown by reads of a folder without naming it: name the option holding a folder
      line = folderOption(c) + ": is a folder, expected a file";
    } else if (ex.getMessage() == null || ex.getMessage().isBlank()) {
      line = "internal error: " + ex.getClass().getSimpleName()
          + " (run with LLM_DEBUG=1 for the stack trace)";
    } else {
      line = optionNames(ex.getMessage().strip(), c);
      line = withOption(line, c);
    }
    return UntrustedText.message(line.replace('\n', ' '));
  }

  /** Puts the option's name in front of a text that starts with a path the option holds. */
  private static String withOption(String text, CommandLine c) {
    String best = null;
    int bestLen = 0;
    for (OptionSpec o : c.getCommandSpec().options()) {
      Object v = o.getValue();
      if (!(v instanceof Path) && !(v instanceof java.io.File)
          && !(v instanceof String str && str.length() > 1)) {
        continue;
      }
      String p = v.toString();
      if (!p.isEmpty() && text.startsWith(p) && p.length() > bestLen
          && (text.length() == p.length() || "/\\: ".indexOf(text.charAt(p.length())) >= 0)) {
        best = o.longestName();
        bestLen = p.length();
      }
    }
    return best == null ? text : best + " " + text;
  }

  /** "--opt PATH" of the first file option whose value is a folder, or "a path" when none is. */
  private static String folderOption(CommandLine c) {
    for (OptionSpec o : c.getCommandSpec().options()) {
      Object v = o.getValue();
      if ((v instanceof Path || v instanceof String) && !o.longestName().equals("--out")
          && java.nio.file.Files.isDirectory(Path.of(v.toString()))) {
        return o.longestName() + " " + v;
      }
    }
    return "a path";
  }

  private static final Pattern CLASS_PREFIX = Pattern.compile("^[A-Z][A-Za-z0-9]*: (\\w+)");

  /** Replaces the library's parameter names with this command's option names. */
  private static String optionNames(String msg, CommandLine c) {
    Map<String, String> names = new LinkedHashMap<>();
    for (OptionSpec o : c.getCommandSpec().options()) {
      if (o.userObject() instanceof Field f) {
        names.put(f.getName(), o.longestName());
      }
    }
    for (Map.Entry<String, String> a : ALIASES.entrySet()) {
      if (c.getCommandSpec().findOption(a.getValue()) != null) {
        names.putIfAbsent(a.getKey(), a.getValue());
      }
    }
    Matcher m = CLASS_PREFIX.matcher(msg);
    if (m.find() && names.containsKey(m.group(1))) { // "TrainableModel: batch must ..."
      msg = names.get(m.group(1)) + msg.substring(m.end());
    } else {
      Matcher first = Pattern.compile("^(\\w+)").matcher(msg);
      if (first.find() && names.containsKey(first.group(1))) {
        msg = names.get(first.group(1)) + msg.substring(first.end());
      }
    }
    for (Map.Entry<String, String> e : names.entrySet()) {
      if (!e.getKey().equals(e.getKey().toLowerCase(java.util.Locale.ROOT))) { // camelCase only
        msg = msg.replaceAll("\\b" + Pattern.quote(e.getKey()) + "\\b",
            Matcher.quoteReplacement(e.getValue()));
      }
    }
    return msg;
  }
}
