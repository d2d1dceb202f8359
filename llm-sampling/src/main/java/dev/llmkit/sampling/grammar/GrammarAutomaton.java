package dev.llmkit.sampling.grammar;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The grammar run as a lazily built automaton over bytes: a state is the set of pushdown stacks the
 * grammar can be in (as llama.cpp keeps them: each stack's top is the next terminal to match), plus
 * an incomplete UTF-8 sequence. States are interned, so a state's byte transitions and its mask of
 * allowed tokens are computed once and reused: inside a JSON string the state repeats at every token
 * and a step then costs one table look-up. The caches are dropped (not the correctness) when they
 * outgrow a budget.
 */
final class GrammarAutomaton {

  /** One stack frame: continue the alternative {@code alt} at element {@code pos}, then return to {@code parent}. */
  static final class Frame {
    final int alt;
    final int pos;
    final Frame parent;
    final int hash;

    Frame(int alt, int pos, Frame parent) {
      this.alt = alt;
      this.pos = pos;
      this.parent = parent;
      this.hash = (alt * 31 + pos) * 31 + (parent == null ? 0 : parent.hash);
    }

    @Override
    public boolean equals(Object o) {
      if (this == o) {
        return true;
      }
      if (!(o instanceof Frame f) || f.hash != hash) {
        return false;
      }
      Frame a = this;
      Frame b = f;
      while (a != null && b != null) {
        if (a == b) {
          return true;
        }
        if (a.alt != b.alt || a.pos != b.pos || a.hash != b.hash) {
          return false;
        }
        a = a.parent;
        b = b.parent;
      }
      return a == b;
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  /** A set of stacks (tops at terminals), whether the grammar is complete, and pending UTF-8. */
  static final class State {
    final Set<Frame> stacks;
    final Frame[] tops;
    final boolean accepted;
    final int partialCodePoint;
    final int remaining; // continuation bytes still expected
    final int hash;
    int epoch = -1;
    State[] next;
    long[] mask;

    State(Set<Frame> stacks, boolean accepted, int partialCodePoint, int remaining) {
      this.stacks = stacks;
      this.tops = stacks.toArray(new Frame[0]);
      this.accepted = accepted;
      this.partialCodePoint = partialCodePoint;
      this.remaining = remaining;
      this.hash = (stacks.hashCode() * 31 + (accepted ? 1 : 0)) * 31 + partialCodePoint * 7 + remaining;
    }

    boolean dead() {
      return tops.length == 0 && !accepted;
    }

    /** Whether the generation may end here (the end-of-sequence token is allowed). */
    boolean complete() {
      return accepted && remaining == 0;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof State s && s.hash == hash && s.accepted == accepted
          && s.partialCodePoint == partialCodePoint && s.remaining == remaining
          && s.stacks.equals(stacks);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  private static final int MAX_STATES = 200_000;
  private static final long MASK_BUDGET_LONGS = 8L << 20; // 64 MiB of cached masks

  private final Grammar grammar;
  private final CharClass[] terminals;
  private final TokenTrie trie;
  private final State dead = new State(Set.of(), false, 0, 0);
  private final State initial;
  private Map<State, State> interned = new HashMap<>();
  private int epoch;
  private long maskLongs;

  GrammarAutomaton(Grammar grammar, TokenTrie trie) {
    this.grammar = grammar;
    this.terminals = grammar.terminals.toArray(new CharClass[0]);
    this.trie = trie;
    Set<Frame> start = new HashSet<>();
    boolean[] accepted = new boolean[1];
    for (int a : grammar.ruleAlternatives[grammar.root]) {
      expand(a, 0, null, start, accepted);
    }
    this.initial = new State(start, accepted[0], 0, 0);
  }

  State initial() {
    return initial;
  }

  State deadState() {
    return dead;
  }

  /** The state after one more byte ({@link #deadState()} when the grammar rejects it). */
  synchronized State next(State s, int b) {
    return step(s, b);
  }

  private State step(State s, int b) {
    s = intern(s);
    if (s.next == null) {
      s.next = new State[256];
    }
    State n = s.next[b];
    if (n == null) {
      n = intern(computeNext(s, b));
      s.next[b] = n;
    }
    return n;
  }

  /** The tokens allowed in state {@code s}, as a bit set over token ids (do not modify). */
  synchronized long[] mask(State s) {
    s = intern(s);
    if (s.mask == null) {
      long[] mask = new long[(trie.vocabSize + 63) >>> 6];
      walk(0, s, mask);
      s.mask = mask;
      maskLongs += mask.length;
    }
    return s.mask;
  }

  private void walk(int node, State s, long[] mask) {
    int first = trie.firstChild[node];
    int end = first + trie.childCount[node];
    for (int c = first; c < end; c++) {
      State n = step(s, trie.label[c] & 0xFF);
      if (n == dead) {
        continue;
      }
      for (int t = trie.tokenStart[c]; t < trie.tokenStart[c + 1]; t++) {
        int id = trie.tokens[t];
        mask[id >>> 6] |= 1L << id;
      }
      if (trie.childCount[c] > 0) {
        walk(c, n, mask);
      }
    }
  }

  private State intern(State s) {
    if (s.epoch == epoch) {
      return s;
    }
    if (s == dead) {
      return s;
    }
    if (interned.size() >= MAX_STATES || maskLongs >= MASK_BUDGET_LONGS) {
      interned = new HashMap<>();
      epoch++;
      maskLongs = 0;
    }
    State known = interned.get(s);
    if (known != null) {
      return known;
    }
    State fresh = s.epoch < 0 ? s : new State(s.stacks, s.accepted, s.partialCodePoint, s.remaining);
    fresh.epoch = epoch;
    interned.put(fresh, fresh);
    return fresh;
  }

  private State computeNext(State s, int b) {
    if (s.dead()) {
      return dead;
    }
    if (s.remaining == 0) {
      if (b < 0x80) {
        return advance(s, b);
      }
      int rem;
      int bits;
      if ((b & 0xE0) == 0xC0 && b >= 0xC2) {
        rem = 1;
        bits = b & 0x1F;
      } else if ((b & 0xF0) == 0xE0) {
        rem = 2;
        bits = b & 0x0F;
      } else if ((b & 0xF8) == 0xF0 && b <= 0xF4) {
        rem = 3;
        bits = b & 0x07;
      } else {
        return dead; // a continuation byte without a lead byte, or an invalid byte
      }
      return partial(s, bits, rem);
    }
    if ((b & 0xC0) != 0x80) {
      return dead;
    }
    int cp = (s.partialCodePoint << 6) | (b & 0x3F);
    if (s.remaining == 1) {
      return advance(s, cp);
    }
    return partial(s, cp, s.remaining - 1);
  }

  /** Pending bytes: alive only if some stack's next terminal accepts a code point they can complete. */
  private State partial(State s, int bits, int rem) {
    int lo = bits << (6 * rem);
    int hi = lo | ((1 << (6 * rem)) - 1);
    for (Frame f : s.tops) {
      if (terminalAt(f).matchesSomeIn(lo, hi)) {
        return new State(s.stacks, false, bits, rem);
      }
    }
    return dead;
  }

  private CharClass terminalAt(Frame f) {
    return terminals[-grammar.alternatives[f.alt][f.pos] - 1];
  }

  private State advance(State s, int cp) {
    Set<Frame> out = new HashSet<>();
    boolean[] accepted = new boolean[1];
    for (Frame f : s.tops) {
      if (terminalAt(f).matches(cp)) {
        expand(f.alt, f.pos + 1, f.parent, out, accepted);
      }
    }
    if (out.isEmpty() && !accepted[0]) {
      return dead;
    }
    return new State(out, accepted[0], 0, 0);
  }

  /** Adds the stacks reachable from (alt, pos) without consuming input; tops are terminals. */
  private void expand(int alt, int pos, Frame parent, Set<Frame> out, boolean[] accepted) {
    int[] elements = grammar.alternatives[alt];
    if (pos == elements.length) {
      if (parent == null) {
        accepted[0] = true;
      } else {
        expand(parent.alt, parent.pos, parent.parent, out, accepted);
      }
      return;
    }
    int e = elements[pos];
    if (e < 0) {
      out.add(new Frame(alt, pos, parent));
      return;
    }
    Frame ret = pos + 1 == elements.length && parent != null
        ? parent // tail call: nothing left here, return straight to the caller's frame
        : new Frame(alt, pos + 1, parent);
    if (pos + 1 == elements.length && parent == null) {
      ret = null;
    }
    for (int sub : grammar.ruleAlternatives[e]) {
      expand(sub, 0, ret, out, accepted);
    }
  }

  /** For tests: the number of states interned in this epoch. */
  synchronized int stateCount() {
    return interned.size();
  }
}
