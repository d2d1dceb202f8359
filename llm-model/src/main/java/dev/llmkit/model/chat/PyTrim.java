package dev.llmkit.model.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;

/** {@code x | trim}: Python's {@code str.strip()} (Unicode whitespace), as Jinja2's trim filter is. */
final class PyTrim implements Filter {

  @Override
  public String getName() {
    return "trim";
  }

  @Override
  public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
    if (var == null) {
      return "";
    }
    String chars = args.length > 0 ? args[0] : null;
    return PythonMethods.rstrip(PythonMethods.lstrip(var.toString(), chars), chars);
  }
}
