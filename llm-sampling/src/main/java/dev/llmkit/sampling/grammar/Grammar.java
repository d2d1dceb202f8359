package dev.llmkit.sampling.grammar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A context-free grammar in llama.cpp's GBNF format, parsed and compiled for
 * {@link GrammarConstraint}.
 *
 * <p>The format: rules {@code name ::= alternatives}, one per line (a rule continues on the next
 * line after {@code |} or inside parentheses); alternatives separated by {@code |}; a sequence of
 * string literals {@code "..."}, character classes {@code [a-z0-9_]} and {@code [^"\\]}, the any
 * character {@code .}, rule names, and groups {@code ( ... )}, each optionally followed by
 * {@code *}, {@code +}, {@code ?}, {@code {m}}, {@code {m,}} or {@code {m,n}}; escapes
 * {@code \n \r \t \\ \" \[ \] \- \xHH \\uHHHH \UHHHHHHHH}; comments from {@code #} to the end of the
 * line. Matching starts at the rule {@code root}. Like llama.cpp, left recursion is rejected
 * (rewrite {@code a ::= a "x" | "y"} as {@code a ::= "y" "x"*}).
 */
public final class Grammar {

  final String source;
  final List<CharClass> terminals;
  /** alternative id -> elements: {@code >= 0} a rule index, {@code < 0} terminal {@code -(t + 1)}. */
  final int[][] alternatives;
  /** rule index -> its alternative ids. */
  final int[][] ruleAlternatives;
  final String[] ruleNames;
  final int root;

  private Grammar(String source, List<CharClass> terminals, int[][] alternatives,
      int[][] ruleAlternatives, String[] ruleNames, int root) {
    this.source = source;
    this.terminals = terminals;
    this.alternatives = alternatives;
    this.ruleAlternatives = ruleAlternatives;
    this.ruleNames = ruleNames;
    this.root = root;
  }

  /**
   * Parses a GBNF grammar.
   *
   * @param gbnf the grammar text
   * @return the compiled grammar
   * @throws GrammarSyntaxException if it does not parse (with line and column), references an
   *     undefined rule, has no {@code root} rule, or is left-recursive
   */
  public static Grammar parse(String gbnf) {
    if (gbnf == null) {
      throw new IllegalArgumentException("grammar text is null; expected GBNF rules");
    }
    return new Parser(gbnf).parse();
  }

  /** The grammar text this was parsed from. */
  public String source() {
    return source;
  }

  /** The names of the rules written in the grammar (generated helper rules left out). */
  public List<String> ruleNames() {
    List<String> out = new ArrayList<>();
    for (String n : ruleNames) {
      if (!n.contains("#")) {
        out.add(n);
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return "grammar(" + ruleNames().size() + " rules)";
  }

  // ---- parser ------------------------------------------------------------------------------------

  private static final class Parser {
    private final String src;
    private final int[] cps;
    private int pos;

    private final Map<String, Integer> ruleIndex = new LinkedHashMap<>();
    private final List<List<int[]>> rules = new ArrayList<>();
    private final List<Boolean> defined = new ArrayList<>();
    private final Map<String, Integer> firstUse = new HashMap<>();
    private final List<CharClass> terminals = new ArrayList<>();
    private final Map<CharClass, Integer> terminalIndex = new HashMap<>();

    Parser(String src) {
      this.src = src;
      this.cps = src.codePoints().toArray();
    }

    Grammar parse() {
      skipSpace(true);
      while (pos < cps.length) {
        parseRule();
        skipSpace(true);
      }
      for (Map.Entry<String, Integer> e : ruleIndex.entrySet()) {
        if (!defined.get(e.getValue())) {
          int at = firstUse.get(e.getKey());
          throw error("rule '" + e.getKey() + "' is used but never defined", at);
        }
      }
      Integer root = ruleIndex.get("root");
      if (root == null) {
        throw new GrammarSyntaxException("no rule named 'root'; expected one to start from", 0, 0);
      }
      List<int[]> alts = new ArrayList<>();
      int[][] ruleAlts = new int[rules.size()][];
      for (int r = 0; r < rules.size(); r++) {
        List<int[]> ra = rules.get(r);
        ruleAlts[r] = new int[ra.size()];
        for (int a = 0; a < ra.size(); a++) {
          ruleAlts[r][a] = alts.size();
          alts.add(ra.get(a));
        }
      }
      String[] names = ruleIndex.keySet().toArray(String[]::new);
      int[][] altArray = alts.toArray(int[][]::new);
      checkLeftRecursion(altArray, ruleAlts, names);
      return new Grammar(src, List.copyOf(terminals), altArray, ruleAlts, names, root);
    }

    private void parseRule() {
      int start = pos;
      String name = parseName();
      if (name.isEmpty()) {
        throw error("expected a rule name", start);
      }
      skipSpace(false);
      if (!lookingAt("::=")) {
        throw error("expected '::=' after the rule name '" + name + "'", pos);
      }
      pos += 3;
      skipSpace(true);
      int r = rule(name, start);
      if (defined.get(r)) {
        throw error("rule '" + name + "' is defined twice", start);
      }
      defined.set(r, true);
      List<int[]> alts = parseAlternates(name, false);
      rules.get(r).addAll(alts);
      if (pos < cps.length && cps[pos] != '\n' && cps[pos] != '\r') {
        throw error("expected the end of the line after the rule '" + name + "', found '"
            + new String(cps, pos, 1) + "'", pos);
      }
    }

    private List<int[]> parseAlternates(String ruleName, boolean nested) {
      List<int[]> alts = new ArrayList<>();
      alts.add(parseSequence(ruleName, nested));
      while (pos < cps.length && cps[pos] == '|') {
        pos++;
        skipSpace(true);
        alts.add(parseSequence(ruleName, nested));
      }
      return alts;
    }

    private int[] parseSequence(String ruleName, boolean nested) {
      List<Integer> seq = new ArrayList<>();
      int lastStart = -1; // index in seq where the last item starts
      while (pos < cps.length) {
        int c = cps[pos];
        int itemPos = pos;
        if (c == '"') {
          pos++;
          lastStart = seq.size();
          boolean any = false;
          while (pos < cps.length && cps[pos] != '"') {
            if (cps[pos] == '\n') {
              throw error("string literal is not closed before the end of the line", itemPos);
            }
            seq.add(terminal(CharClass.single(parseChar())));
            any = true;
          }
          if (pos >= cps.length) {
            throw error("string literal is not closed; expected '\"'", itemPos);
          }
          pos++;
          if (!any) {
            lastStart = -1; // "" matches nothing: nothing to repeat
          }
        } else if (c == '[') {
          pos++;
          boolean negated = false;
          if (pos < cps.length && cps[pos] == '^') {
            negated = true;
            pos++;
          }
          List<Integer> ranges = new ArrayList<>();
          while (pos < cps.length && cps[pos] != ']') {
            if (cps[pos] == '\n') {
              throw error("character class is not closed before the end of the line", itemPos);
            }
            int lo = parseChar();
            int hi = lo;
            if (pos + 1 < cps.length && cps[pos] == '-' && cps[pos + 1] != ']') {
              pos++;
              hi = parseChar();
              if (hi < lo) {
                throw error("character range is reversed (" + new String(Character.toChars(lo))
                    + "-" + new String(Character.toChars(hi)) + ")", itemPos);
              }
            }
            ranges.add(lo);
            ranges.add(hi);
          }
          if (pos >= cps.length) {
            throw error("character class is not closed; expected ']'", itemPos);
          }
          pos++;
          lastStart = seq.size();
          seq.add(terminal(new CharClass(ranges.stream().mapToInt(Integer::intValue).toArray(), negated)));
        } else if (c == '.') {
          pos++;
          lastStart = seq.size();
          seq.add(terminal(new CharClass(new int[0], true)));
        } else if (isWordChar(c)) {
          String name = parseName();
          lastStart = seq.size();
          seq.add(rule(name, itemPos));
        } else if (c == '(') {
          pos++;
          skipSpace(true);
          int sub = newRule(ruleName);
          rules.get(sub).addAll(parseAlternates(ruleName, true));
          if (pos >= cps.length || cps[pos] != ')') {
            throw error("group is not closed; expected ')'", itemPos);
          }
          pos++;
          lastStart = seq.size();
          seq.add(sub);
        } else if (c == '*' || c == '+' || c == '?' || c == '{') {
          if (lastStart < 0) {
            throw error("'" + new String(Character.toChars(c)) + "' follows nothing to repeat", itemPos);
          }
          int min;
          int max; // -1: unbounded
          pos++;
          if (c == '*') {
            min = 0;
            max = -1;
          } else if (c == '+') {
            min = 1;
            max = -1;
          } else if (c == '?') {
            min = 0;
            max = 1;
          } else {
            skipSpace(nested);
            min = parseInt(itemPos);
            skipSpace(nested);
            max = min;
            if (pos < cps.length && cps[pos] == ',') {
              pos++;
              skipSpace(nested);
              max = pos < cps.length && Character.isDigit(cps[pos]) ? parseInt(itemPos) : -1;
              skipSpace(nested);
            }
            if (pos >= cps.length || cps[pos] != '}') {
              throw error("repetition is not closed; expected '}'", itemPos);
            }
            pos++;
            if (max >= 0 && max < min) {
              throw error("repetition {" + min + "," + max + "} has max < min", itemPos);
            }
          }
          List<Integer> item = new ArrayList<>(seq.subList(lastStart, seq.size()));
          seq.subList(lastStart, seq.size()).clear();
          repeat(ruleName, item, min, max, seq);
          lastStart = -1;
        } else {
          break;
        }
        skipSpace(nested);
      }
      return seq.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Appends {@code item{min,max}} to {@code seq}, with helper rules as llama.cpp does. */
    private void repeat(String ruleName, List<Integer> item, int min, int max, List<Integer> seq) {
      for (int i = 0; i < min; i++) {
        seq.addAll(item);
      }
      if (max < 0) {
        // star ::= item star | ""
        int star = newRule(ruleName);
        List<Integer> loop = new ArrayList<>(item);
        loop.add(star);
        rules.get(star).add(toArray(loop));
        rules.get(star).add(new int[0]);
        seq.add(star);
      } else if (max > min) {
        // opt_k ::= item opt_{k+1} | "" ; the last one: item | ""
        int next = -1;
        for (int k = max - min; k >= 1; k--) {
          int opt = newRule(ruleName);
          List<Integer> body = new ArrayList<>(item);
          if (next >= 0) {
            body.add(next);
          }
          rules.get(opt).add(toArray(body));
          rules.get(opt).add(new int[0]);
          next = opt;
        }
        seq.add(next);
      }
    }

    private static int[] toArray(List<Integer> list) {
      return list.stream().mapToInt(Integer::intValue).toArray();
    }

    private int parseInt(int itemPos) {
      int start = pos;
      long v = 0;
      while (pos < cps.length && cps[pos] >= '0' && cps[pos] <= '9') {
        v = v * 10 + (cps[pos] - '0');
        if (v > 100_000) {
          throw error("repetition count is too large (at most 100000)", itemPos);
        }
        pos++;
      }
      if (pos == start) {
        throw error("expected a number in the repetition", pos);
      }
      return (int) v;
    }

    private int parseChar() {
      int at = pos;
      int c = cps[pos++];
      if (c != '\\') {
        return c;
      }
      if (pos >= cps.length) {
        throw error("escape '\\' at the end of the grammar", at);
      }
      int e = cps[pos++];
      switch (e) {
        case 'n': return '\n';
        case 'r': return '\r';
        case 't': return '\t';
        case '0': return 0;
        case '\\': case '"': case '[': case ']': case '-': case '^': case '/': return e;
        case 'x': return hex(2, at);
        case 'u': return hex(4, at);
        case 'U': return hex(8, at);
        default:
          throw error("unknown escape '\\" + new String(Character.toChars(e)) + "'", at);
      }
    }

    private int hex(int digits, int at) {
      int v = 0;
      for (int i = 0; i < digits; i++) {
        int d = pos < cps.length ? Character.digit(cps[pos], 16) : -1;
        if (d < 0) {
          throw error("expected " + digits + " hex digits in the escape", at);
        }
        v = v * 16 + d;
        pos++;
      }
      if (v > Character.MAX_CODE_POINT) {
        throw error("escape names " + Integer.toHexString(v) + ", beyond the last code point", at);
      }
      return v;
    }

    private String parseName() {
      int start = pos;
      while (pos < cps.length && isWordChar(cps[pos])) {
        pos++;
      }
      return new String(cps, start, pos - start);
    }

    private static boolean isWordChar(int c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '-' || c == '_';
    }

    private boolean lookingAt(String s) {
      if (pos + s.length() > cps.length) {
        return false;
      }
      for (int i = 0; i < s.length(); i++) {
        if (cps[pos + i] != s.charAt(i)) {
          return false;
        }
      }
      return true;
    }

    private void skipSpace(boolean newlineOk) {
      while (pos < cps.length) {
        int c = cps[pos];
        if (c == ' ' || c == '\t') {
          pos++;
        } else if (c == '#') {
          while (pos < cps.length && cps[pos] != '\n' && cps[pos] != '\r') {
            pos++;
          }
        } else if (newlineOk && (c == '\n' || c == '\r')) {
          pos++;
        } else {
          break;
        }
      }
    }

    private int rule(String name, int usedAt) {
      Integer r = ruleIndex.get(name);
      if (r == null) {
        r = rules.size();
        ruleIndex.put(name, r);
        rules.add(new ArrayList<>());
        defined.add(false);
        firstUse.put(name, usedAt);
      }
      return r;
    }

    private int newRule(String parent) {
      String name = parent + "#" + rules.size();
      int r = rule(name, pos);
      defined.set(r, true);
      return r;
    }

    private int terminal(CharClass c) {
      Integer t = terminalIndex.get(c);
      if (t == null) {
        t = terminals.size();
        terminals.add(c);
        terminalIndex.put(c, t);
      }
      return -(t + 1);
    }

    private GrammarSyntaxException error(String message, int at) {
      int line = 1;
      int col = 1;
      for (int i = 0; i < at && i < cps.length; i++) {
        if (cps[i] == '\n') {
          line++;
          col = 1;
        } else {
          col++;
        }
      }
      return new GrammarSyntaxException(message, line, col);
    }
  }

  /** Rejects a rule that can reach itself without consuming a character (the matcher would loop). */
  private static void checkLeftRecursion(int[][] alts, int[][] ruleAlts, String[] names) {
    int n = ruleAlts.length;
    boolean[] nullable = new boolean[n];
    boolean changed = true;
    while (changed) {
      changed = false;
      for (int r = 0; r < n; r++) {
        if (nullable[r]) {
          continue;
        }
        for (int a : ruleAlts[r]) {
          boolean all = true;
          for (int e : alts[a]) {
            if (e < 0 || !nullable[e]) {
              all = false;
              break;
            }
          }
          if (all) {
            nullable[r] = true;
            changed = true;
            break;
          }
        }
      }
    }
    // leftCalls[r]: rules r may enter before consuming anything
    List<List<Integer>> leftCalls = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      List<Integer> calls = new ArrayList<>();
      for (int a : ruleAlts[r]) {
        for (int e : alts[a]) {
          if (e < 0) {
            break;
          }
          calls.add(e);
          if (!nullable[e]) {
            break;
          }
        }
      }
      leftCalls.add(calls);
    }
    int[] color = new int[n]; // 0 new, 1 on the path, 2 done
    for (int r = 0; r < n; r++) {
      if (color[r] == 0) {
        int cycle = findCycle(r, leftCalls, color);
        if (cycle >= 0) {
          String name = names[cycle];
          int hash = name.indexOf('#');
          throw new GrammarSyntaxException("rule '" + (hash < 0 ? name : name.substring(0, hash))
              + "' is left-recursive (it can reach itself before matching a character);"
              + " expected a right-recursive or repeated form", 0, 0);
        }
      }
    }
    Arrays.fill(color, 0);
  }

  private static int findCycle(int r, List<List<Integer>> calls, int[] color) {
    // iterative DFS to survive deep grammars
    Deque stack = new Deque();
    stack.push(r, 0);
    color[r] = 1;
    while (stack.size > 0) {
      int node = stack.nodes[stack.size - 1];
      int i = stack.next[stack.size - 1];
      List<Integer> out = calls.get(node);
      if (i < out.size()) {
        stack.next[stack.size - 1]++;
        int m = out.get(i);
        if (color[m] == 1) {
          return m;
        }
        if (color[m] == 0) {
          color[m] = 1;
          stack.push(m, 0);
        }
      } else {
        color[node] = 2;
        stack.size--;
      }
    }
    return -1;
  }

  private static final class Deque {
    int[] nodes = new int[16];
    int[] next = new int[16];
    int size;

    void push(int node, int i) {
      if (size == nodes.length) {
        nodes = Arrays.copyOf(nodes, size * 2);
        next = Arrays.copyOf(next, size * 2);
      }
      nodes[size] = node;
      next[size++] = i;
    }
  }
}
