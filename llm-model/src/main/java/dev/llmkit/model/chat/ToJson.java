package dev.llmkit.model.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.Map;

/** {@code x | tojson} and {@code x | tojson(indent=4)} as Hugging Face defines them (Python's json.dumps). */
final class ToJson implements Filter {

  @Override
  public String getName() {
    return "tojson";
  }

  @Override
  public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
    return PyJson.dumps(var, args.length > 0 ? Integer.valueOf(args[0]) : null);
  }

  @Override
  public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
    Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
    return PyJson.dumps(var, indent == null ? null : ((Number) toNumber(indent)).intValue());
  }

  private static Object toNumber(Object o) {
    return o instanceof Number ? o : Long.valueOf(o.toString());
  }
}
