package dev.llmkit.sampling.grammar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** GBNF parsing (errors with line and column) and matching whole strings, byte by byte. */
class GrammarTest {

  /** llama.cpp's grammars/arithmetic.gbnf. */
  static final String ARITHMETIC = """
      root  ::= (expr "=" ws term "\\n")+
      expr  ::= term ([-+*/] term)*
      term  ::= ident | num | "(" ws expr ")" ws
      ident ::= [a-z] [a-z0-9_]* ws
      num   ::= [0-9]+ ws
      ws    ::= [ \\t\\n]*
      """;

  static boolean accepts(Grammar g, String text) {
    GrammarAutomaton a = new GrammarAutomaton(g, TokenTrie.build(new byte[0][]));
    GrammarAutomaton.State s = a.initial();
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      s = a.next(s, b & 0xFF);
    }
    return s.complete();
  }

  static boolean prefixOk(Grammar g, String text) {
    GrammarAutomaton a = new GrammarAutomaton(g, TokenTrie.build(new byte[0][]));
    GrammarAutomaton.State s = a.initial();
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      s = a.next(s, b & 0xFF);
    }
    return s != a.deadState();
  }

  @Test
  void arithmeticGrammarOfLlamaCpp() {
    Grammar g = Grammar.parse(ARITHMETIC);
    assertThat(g.ruleNames()).containsExactlyInAnyOrder("root", "expr", "term", "ident", "num", "ws");
    assertThat(accepts(g, "1+2= 3\n")).isTrue();
    assertThat(accepts(g, "(a1 *b)=x\ny=2\n")).isTrue();
    assertThat(accepts(g, "1+2= 3")).isFalse(); // the newline is missing
    assertThat(prefixOk(g, "1+2= 3")).isTrue();
    assertThat(prefixOk(g, "1++")).isFalse();
    assertThat(accepts(g, "A=1\n")).isFalse();
  }

  @Test
  void repetitionCountsAndClasses() {
    Grammar g = Grammar.parse("root ::= [a-c]{2,3} x? \"!\"{1,} [^0-9]\nx ::= \"é\" | \"日本\"");
    assertThat(accepts(g, "ab!z")).isTrue();
    assertThat(accepts(g, "abc!!!#")).isTrue();
    assertThat(accepts(g, "ab日本!é")).isTrue();
    assertThat(accepts(g, "a!z")).isFalse();
    assertThat(accepts(g, "abca!z")).isFalse();
    assertThat(accepts(g, "ab!5")).isFalse();
    assertThat(accepts(g, "ab日!z")).isFalse();
    assertThat(prefixOk(g, "ab日")).isTrue();
    // a partial UTF-8 sequence survives only if it can become an allowed character
    assertThat(prefixOk(g, new String(new byte[] {'a', 'b'}, StandardCharsets.UTF_8) + "\u00e9")).isTrue();
    Grammar exact = Grammar.parse("root ::= \"a\"{3}");
    assertThat(accepts(exact, "aaa")).isTrue();
    assertThat(accepts(exact, "aa")).isFalse();
    assertThat(accepts(exact, "aaaa")).isFalse();
  }

  @Test
  void escapesAndComments() {
    Grammar g = Grammar.parse("# a comment\nroot ::= \"\\x41\\u00e9\\t\" [\\]\\-] # trailing\n");
    assertThat(accepts(g, "Aé\t]")).isTrue();
    assertThat(accepts(g, "Aé\t-")).isTrue();
    assertThat(accepts(g, "Aé\tx")).isFalse();
  }

  @Test
  void multiLineAlternativesAndGroups() {
    Grammar g = Grammar.parse("root ::=\n  (\n  \"a\"\n  | \"b\" ) | \"c\"\n");
    assertThat(accepts(g, "a")).isTrue();
    assertThat(accepts(g, "b")).isTrue();
    assertThat(accepts(g, "c")).isTrue();
  }

  @Test
  void badGrammarsNameTheLineAndColumn() {
    assertThatThrownBy(() -> Grammar.parse("root ::= \"a\"\nitem ::= [a-z"))
        .isInstanceOf(GrammarSyntaxException.class)
        .hasMessageContaining("line 2, column 10")
        .hasMessageContaining("character class is not closed");
    assertThatThrownBy(() -> Grammar.parse("root ::= foo"))
        .hasMessageContaining("line 1, column 10").hasMessageContaining("'foo' is used but never defined");
    assertThatThrownBy(() -> Grammar.parse("root = \"a\""))
        .hasMessageContaining("line 1, column 6").hasMessageContaining("expected '::='");
    assertThatThrownBy(() -> Grammar.parse("item ::= \"a\""))
        .hasMessageContaining("no rule named 'root'");
    assertThatThrownBy(() -> Grammar.parse("root ::= root \"a\" | \"b\""))
        .hasMessageContaining("'root' is left-recursive");
    assertThatThrownBy(() -> Grammar.parse("root ::= x \"a\"\nx ::= \"\" | root"))
        .hasMessageContaining("left-recursive");
    assertThatThrownBy(() -> Grammar.parse("root ::= * \"a\""))
        .hasMessageContaining("column 10").hasMessageContaining("follows nothing to repeat");
    assertThatThrownBy(() -> Grammar.parse("root ::= \"a\"{3,1}"))
        .hasMessageContaining("max < min");
    assertThatThrownBy(() -> Grammar.parse("root ::= \"a\\q\""))
        .hasMessageContaining("unknown escape '\\q'");
    GrammarSyntaxException e = (GrammarSyntaxException) org.assertj.core.api.Assertions.catchThrowable(
        () -> Grammar.parse("root ::= \"a\"\n\nx ::= (\"b\""));
    assertThat(e.line()).isEqualTo(3);
    assertThat(e.column()).isEqualTo(7);
  }

  /** The trie walk gives exactly the tokens found by matching every piece from the state on its own. */
  @Test
  void trieMaskEqualsBruteForce() {
    Grammar g = Grammar.parse(JsonSchemaGrammar.toGbnf(true));
    Random r = new Random(17);
    String alphabet = "{}[]\":, 0123456789.-eEtruefalsnabc\\/é日";
    byte[][] vocab = new byte[3000][];
    for (int i = 0; i < vocab.length; i++) {
      StringBuilder sb = new StringBuilder();
      int len = 1 + r.nextInt(5);
      for (int k = 0; k < len; k++) {
        sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
      }
      byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
      if (i % 50 == 0) {
        b = new byte[] {(byte) (0x80 + r.nextInt(0x80))}; // single bytes, some partial UTF-8
      }
      vocab[i] = b;
    }
    TokenTrie trie = TokenTrie.build(vocab);
    GrammarAutomaton a = new GrammarAutomaton(g, trie);
    GrammarAutomaton.State s = a.initial();
    for (String prefix : new String[] {"", "{\"a", "{\"ab\": [1, tr", "[\"x\\u00", "{\"k\":-1.5e"}) {
      GrammarAutomaton.State st = a.initial();
      for (byte b : prefix.getBytes(StandardCharsets.UTF_8)) {
        st = a.next(st, b & 0xFF);
      }
      assertThat(st).isNotSameAs(a.deadState());
      long[] mask = a.mask(st);
      int allowed = 0;
      for (int id = 0; id < vocab.length; id++) {
        GrammarAutomaton.State t = st;
        for (byte b : vocab[id]) {
          t = a.next(t, b & 0xFF);
        }
        boolean expected = t != a.deadState();
        assertThat((mask[id >>> 6] >>> id & 1) == 1).as("token %d after '%s'", id, prefix).isEqualTo(expected);
        allowed += expected ? 1 : 0;
      }
      assertThat(allowed).as("allowed after '%s'", prefix).isGreaterThan(0);
    }
    assertThat(s).isNotNull();
  }
}
