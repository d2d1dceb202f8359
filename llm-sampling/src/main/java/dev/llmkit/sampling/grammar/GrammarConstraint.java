package dev.llmkit.sampling.grammar;

import dev.llmkit.sampling.LogitsProcessor;
import dev.llmkit.sampling.SamplingContext;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Constrained decoding: a {@link LogitsProcessor} that sets to {@code -Infinity} the logit of every
 * token the grammar cannot accept next, so that whatever the model and the rest of the sampling
 * chain do, the generated text is a prefix of a sentence of the grammar, and the end-of-sequence
 * token is allowed only once it is a whole sentence.
 *
 * <p>The vocabulary is given as each token's decoded bytes (UTF-8; a token may hold part of a
 * character, as byte-fallback and byte-level BPE tokens do); special tokens get {@code null} and are
 * never allowed. The pieces go into a byte trie walked once per step from the grammar's state, and
 * the allowed set of every state met is cached (see {@link GrammarAutomaton}), so a step in a state
 * seen before costs one pass over the logits.
 *
 * <p>Per-generation progress is kept per {@link SamplingContext} (weakly, so a finished generation's
 * context is collected): the tokens in the context at the first call are the prompt, and each later
 * call first advances the grammar over the tokens accepted since. One instance serves any number of
 * generations. Put it first in the chain, before temperature and the truncations, so that those see
 * only allowed tokens.
 */
public final class GrammarConstraint implements LogitsProcessor {

  private final Grammar grammar;
  private final byte[][] pieces;
  private final int[] eosIds;
  private final GrammarAutomaton automaton;
  private final Map<SamplingContext, Progress> progress =
      Collections.synchronizedMap(new WeakHashMap<>());

  private static final class Progress {
    int consumed;
    GrammarAutomaton.State state;
    boolean ended;
  }

  /**
   * Creates the processor.
   *
   * @param grammar the grammar the output must follow
   * @param vocabulary the prepared vocabulary (shareable between grammars)
   */
  public GrammarConstraint(Grammar grammar, TokenVocabulary vocabulary) {
    if (grammar == null || vocabulary == null) {
      throw new IllegalArgumentException("grammar and vocabulary must not be null");
    }
    this.grammar = grammar;
    this.pieces = vocabulary.pieces;
    this.eosIds = vocabulary.eosIds();
    this.automaton = new GrammarAutomaton(grammar, vocabulary.trie);
  }

  /**
   * Creates the processor (and the vocabulary's trie; see {@link TokenVocabulary} to share one).
   *
   * @param grammar the grammar the output must follow
   * @param vocabulary the decoded bytes of each token, indexed by id; null or empty for tokens that
   *     must never be generated (special tokens)
   * @param eosIds the end-of-sequence (or end-of-turn) ids, allowed when the text is complete
   * @throws IllegalArgumentException if an EOS id is outside the vocabulary
   */
  public GrammarConstraint(Grammar grammar, byte[][] vocabulary, int... eosIds) {
    this(grammar, TokenVocabulary.of(vocabulary, eosIds));
  }

  /**
   * Creates the processor from token pieces as strings (encoded as UTF-8).
   *
   * @param grammar the grammar the output must follow
   * @param vocabulary each token's text, indexed by id; null for special tokens
   * @param eosIds the end-of-sequence ids
   */
  public static GrammarConstraint ofStrings(Grammar grammar, List<String> vocabulary, int... eosIds) {
    return new GrammarConstraint(grammar, TokenVocabulary.ofStrings(vocabulary, eosIds));
  }

  /** The grammar. */
  public Grammar grammar() {
    return grammar;
  }

  /**
   * Whether the text generated so far in this context is a whole sentence of the grammar (the EOS
   * token would be allowed now).
   *
   * @param context a generation's context this processor has seen
   */
  public boolean isComplete(SamplingContext context) {
    Progress p = advance(context);
    return p.ended || p.state.complete();
  }

  @Override
  public void process(float[] logits, SamplingContext context) {
    // logits: (V) -> logits with the tokens the grammar rejects at -Infinity
    if (logits.length < pieces.length) {
      throw new IllegalArgumentException("logits have length " + logits.length
          + "; expected at least the grammar vocabulary's " + pieces.length);
    }
    Progress p = advance(context);
    if (p.ended) {
      Arrays.fill(logits, Float.NEGATIVE_INFINITY);
      return;
    }
    boolean complete = p.state.complete();
    float[] eosLogits = context.floatScratch2(eosIds.length);
    for (int k = 0; k < eosIds.length; k++) {
      eosLogits[k] = logits[eosIds[k]];
    }
    long[] mask = automaton.mask(p.state);
    int v = pieces.length;
    for (int w = 0; w < mask.length; w++) {
      long bits = mask[w];
      if (bits == -1L) {
        continue;
      }
      int base = w << 6;
      int end = Math.min(base + 64, v);
      for (int i = base; i < end; i++) {
        if ((bits & (1L << i)) == 0) {
          logits[i] = Float.NEGATIVE_INFINITY;
        }
      }
    }
    for (int i = v; i < logits.length; i++) {
      logits[i] = Float.NEGATIVE_INFINITY;
    }
    if (complete) {
      // the EOS ids are not in the trie, so the mask removed them; a complete sentence may end
      for (int k = 0; k < eosIds.length; k++) {
        logits[eosIds[k]] = eosLogits[k];
      }
    }
  }

  private Progress advance(SamplingContext context) {
    Progress p = progress.get(context);
    int size = context.size();
    if (p == null || size < p.consumed) {
      p = new Progress();
      p.consumed = size;
      p.state = automaton.initial();
      progress.put(context, p);
      return p;
    }
    for (; p.consumed < size; p.consumed++) {
      int token = context.token(p.consumed);
      if (p.ended) {
        throw new IllegalStateException("token " + token + " follows the end-of-sequence token");
      }
      if (isEos(token)) {
        if (!p.state.complete()) {
          throw new IllegalStateException("end-of-sequence token " + token
              + " was accepted while the grammar's sentence is incomplete");
        }
        p.ended = true;
        continue;
      }
      byte[] piece = token < pieces.length ? pieces[token] : null;
      GrammarAutomaton.State s = p.state;
      if (piece == null || piece.length == 0) {
        s = automaton.deadState();
      }
      for (int i = 0; s != automaton.deadState() && piece != null && i < piece.length; i++) {
        s = automaton.next(s, piece[i] & 0xFF);
      }
      if (s == automaton.deadState()) {
        throw new IllegalStateException("token " + token + " ("
            + (piece == null ? "a special token" : "'" + new String(piece, StandardCharsets.UTF_8) + "'")
            + ") was accepted but the grammar does not allow it here");
      }
      p.state = s;
    }
    return p;
  }

  private boolean isEos(int token) {
    for (int e : eosIds) {
      if (e == token) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "grammar(" + grammar.ruleNames().size() + " rules)";
  }
}
