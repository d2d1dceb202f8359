package dev.llmkit.tokenizer.bpe;

import dev.llmkit.tokenizer.AbstractTokenizer;
import dev.llmkit.tokenizer.IntList;
import dev.llmkit.tokenizer.Utf8;
import dev.llmkit.tokenizer.pretokenize.PreTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Byte-level BPE (GPT-2, tiktoken's encodings, Llama 3, Hugging Face {@code ByteLevel}): the text
 * is split into pieces, each piece's UTF-8 bytes start as one symbol per byte, and adjacent
 * symbols merge by rank.
 *
 * <p>Two rule sets: tiktoken ranks (any split of a token into two tokens merges into it, rank =
 * id; and a piece that is itself a token is taken whole), or an explicit merge list (Hugging Face
 * {@code merges}, rank = line number). Immutable and thread-safe.
 */
public final class BytePairTokenizer extends AbstractTokenizer {
  private final byte[][] decodeTable; // id -> bytes (ordinary and special); null = no such id
  private final ByteSequenceMap encoder; // ordinary token bytes -> id
  private final int[] byteToId = new int[256];
  private final boolean missingBytes;
  private final PairTable merges;
  private final PreTokenizer preTokenizer;
  private final boolean ignoreMerges;
  private final boolean tiktokenRules;
  private final int vocabSize;
  private final boolean addPrefixSpace;
  private final byte[][] originalTokens;
  /** Per-thread cache of the merge result of recent multi-token pieces. */
  private final ThreadLocal<MergeCache> cache = ThreadLocal.withInitial(MergeCache::new);

  private BytePairTokenizer(
      String name,
      byte[][] tokens,
      ByteSequenceMap encoder,
      PairTable merges,
      boolean tiktokenRules,
      boolean ignoreMerges,
      PreTokenizer preTokenizer,
      Map<String, Integer> specials,
      Map<String, Integer> added,
      OptionalInt bos,
      OptionalInt eos,
      int vocabSize,
      boolean addPrefixSpace) {
    super(name, specials, added, bos, eos);
    this.addPrefixSpace = addPrefixSpace;
    this.originalTokens = tokens;
    this.preTokenizer = preTokenizer;
    this.ignoreMerges = ignoreMerges;
    this.tiktokenRules = tiktokenRules;
    this.merges = merges;
    int size = Math.max(vocabSize, tokens.length);
    for (int id : specials.values()) {
      size = Math.max(size, id + 1);
    }
    for (int id : added.values()) {
      size = Math.max(size, id + 1);
    }
    this.vocabSize = size;
    this.decodeTable = Arrays.copyOf(tokens, size);
    this.encoder = encoder;
    boolean missing = false;
    for (int b = 0; b < 256; b++) {
      byteToId[b] = encoder.get(new byte[] {(byte) b});
      missing |= byteToId[b] < 0;
    }
    this.missingBytes = missing;
    for (Map<String, Integer> m : List.of(specials, added)) {
      for (Map.Entry<String, Integer> e : m.entrySet()) {
        if (decodeTable[e.getValue()] == null) {
          decodeTable[e.getValue()] = Utf8.bytes(e.getKey());
        }
      }
    }
  }

  /**
   * A tokenizer from tiktoken ranks: {@code tokens[rank]} is the byte string of that rank (null
   * for unused ranks).
   *
   * @param name the encoding name
   * @param tokens byte strings by rank (= id)
   * @param preTokenizer the split pattern
   * @param specials special tokens (ids outside the ranks)
   * @param bos BOS id or empty
   * @param eos EOS id or empty
   * @param vocabSize the declared vocabulary size (0: one past the largest id)
   * @return the tokenizer
   */
  public static BytePairTokenizer fromRanks(
      String name,
      byte[][] tokens,
      PreTokenizer preTokenizer,
      Map<String, Integer> specials,
      OptionalInt bos,
      OptionalInt eos,
      int vocabSize) {
    ByteSequenceMap enc = new ByteSequenceMap();
    for (int id = 0; id < tokens.length; id++) {
      if (tokens[id] != null) {
        enc.put(tokens[id], id);
      }
    }
    PairTable merges = new PairTable();
    for (int id = 0; id < tokens.length; id++) {
      byte[] t = tokens[id];
      if (t == null || t.length < 2) {
        continue;
      }
      for (int k = 1; k < t.length; k++) {
        int left = enc.get(t, 0, k);
        if (left < 0) {
          continue;
        }
        int right = enc.get(t, k, t.length - k);
        if (right >= 0) {
          merges.put(left, right, id, id);
        }
      }
    }
    return new BytePairTokenizer(
        name, tokens, enc, merges, true, true, preTokenizer, specials, Map.of(), bos, eos, vocabSize,
        false);
  }

  /**
   * A tokenizer from an explicit merge list (Hugging Face / GGUF {@code merges}): merge k has rank
   * k.
   *
   * @param name a name for messages
   * @param tokens byte strings by id (null for ids with no bytes of their own)
   * @param mergePairs pairs of ids {@code {left, right}} in priority order
   * @param ignoreMerges take a piece that is itself a token whole (Hugging Face
   *     {@code ignore_merges})
   * @param preTokenizer the split pattern
   * @param specials special tokens
   * @param added always-matched added tokens (may be empty)
   * @param bos BOS id or empty
   * @param eos EOS id or empty
   * @param fileName the file, for error messages
   * @return the tokenizer
   * @throws IllegalArgumentException if a merged pair is not in the vocabulary, naming the merge
   */
  public static BytePairTokenizer fromMerges(
      String name,
      byte[][] tokens,
      List<int[]> mergePairs,
      boolean ignoreMerges,
      PreTokenizer preTokenizer,
      Map<String, Integer> specials,
      Map<String, Integer> added,
      OptionalInt bos,
      OptionalInt eos,
      String fileName) {
    ByteSequenceMap enc = new ByteSequenceMap();
    for (int id = 0; id < tokens.length; id++) {
      if (tokens[id] != null) {
        enc.put(tokens[id], id);
      }
    }
    PairTable merges = new PairTable();
    byte[] buf = new byte[64];
    for (int r = 0; r < mergePairs.size(); r++) {
      int[] p = mergePairs.get(r);
      byte[] a = p[0] < tokens.length ? tokens[p[0]] : null;
      byte[] b = p[1] < tokens.length ? tokens[p[1]] : null;
      if (a == null || b == null) {
        throw new dev.llmkit.tokenizer.TokenizerFormatException(
            fileName + ": merge " + r + " (ids " + p[0] + " + " + p[1]
                + ") names a token that is not an ordinary token");
      }
      if (buf.length < a.length + b.length) {
        buf = new byte[a.length + b.length];
      }
      System.arraycopy(a, 0, buf, 0, a.length);
      System.arraycopy(b, 0, buf, a.length, b.length);
      int merged = enc.get(buf, 0, a.length + b.length);
      if (merged < 0) {
        throw new dev.llmkit.tokenizer.TokenizerFormatException(
            fileName + ": merge " + r + " (ids " + p[0] + " + " + p[1]
                + ") makes a token that is not in the vocabulary");
      }
      merges.put(p[0], p[1], r, merged);
    }
    return new BytePairTokenizer(
        name, tokens, enc, merges, false, ignoreMerges, preTokenizer, specials, added, bos, eos, 0, false);
  }

  /**
   * This tokenizer with Hugging Face's {@code ByteLevel(add_prefix_space)}: a space is put in
   * front of each stretch of ordinary text that does not start with one (RoBERTa-style).
   *
   * @param add the flag
   * @return a tokenizer sharing this one's tables
   */
  public BytePairTokenizer withAddPrefixSpace(boolean add) {
    if (add == addPrefixSpace) {
      return this;
    }
    return new BytePairTokenizer(
        name(), originalTokens, encoder, merges, tiktokenRules, ignoreMerges, preTokenizer,
        specialTokens(), addedTokens(), bosId(), eosId(), vocabSize, add);
  }

  /**
   * Whether a space is put in front of ordinary text that does not start with one.
   *
   * @return the flag
   */
  public boolean addPrefixSpace() {
    return addPrefixSpace;
  }

  /**
   * The split pattern.
   *
   * @return the pre-tokenizer
   */
  public PreTokenizer preTokenizer() {
    return preTokenizer;
  }

  /**
   * Whether the rules are tiktoken's (rank = id, every split merges) rather than a merge list.
   *
   * @return true for tiktoken rules
   */
  public boolean tiktokenRules() {
    return tiktokenRules;
  }

  /**
   * Whether a piece that is itself a token is taken whole.
   *
   * @return the flag
   */
  public boolean ignoreMerges() {
    return ignoreMerges;
  }

  /**
   * The bytes of an ordinary or special token.
   *
   * @param id the id
   * @return a copy of its bytes, or {@code null} when the id is unused
   */
  public byte[] tokenBytes(int id) {
    return id < 0 || id >= decodeTable.length || decodeTable[id] == null
        ? null
        : decodeTable[id].clone();
  }

  /**
   * Whether an id is an ordinary (mergeable) token, not a special one.
   *
   * @param id the id
   * @return true for ordinary tokens
   */
  public boolean isOrdinary(int id) {
    return id >= 0 && id < decodeTable.length && decodeTable[id] != null
        && encoder.get(decodeTable[id]) == id;
  }

  /**
   * The merge rules, lowest rank first, as {@code {left, right, rank, result}}.
   *
   * @return the rules
   */
  public List<int[]> mergeRules() {
    List<int[]> out = new ArrayList<>();
    // every rule merges two tokens into their concatenation: try each split of each token
    for (int t = 0; t < decodeTable.length; t++) {
      byte[] b = decodeTable[t];
      if (b == null || b.length < 2 || encoder.get(b) != t) {
        continue;
      }
      for (int k = 1; k < b.length; k++) {
        int l = encoder.get(b, 0, k);
        int r = l < 0 ? -1 : encoder.get(b, k, b.length - k);
        int s = merges.find(l, r);
        if (s >= 0 && merges.result(s) == t) {
          out.add(new int[] {l, r, merges.rank(s), t});
        }
      }
    }
    out.sort(
        (x, y) ->
            x[2] != y[2] ? Integer.compare(x[2], y[2])
                : x[0] != y[0] ? Integer.compare(x[0], y[0]) : Integer.compare(x[1], y[1]));
    return out;
  }

  @Override
  public int vocabSize() {
    return vocabSize;
  }

  @Override
  protected byte[] decodeBytes(int id, boolean leading) {
    return id < 0 || id >= decodeTable.length ? null : decodeTable[id];
  }

  @Override
  protected void encodeOrdinary(String text, int start, int end, boolean atStart, IntList out) {
    if (addPrefixSpace && text.charAt(start) != ' ') {
      text = " " + text.substring(start, end);
      end = text.length();
      start = 0;
    }
    IntList ends = new IntList(Math.max(16, (end - start) / 4));
    preTokenizer.split(text, start, end, ends);
    byte[] buf = new byte[256];
    int[] sym = new int[256];
    BpeMerger merger = null;
    MergeCache mc = null;
    int p = start;
    int nEnds = ends.size();
    for (int k = 0; k < nEnds; k++) {
      int e = ends.get(k);
      int maxBytes = 3 * (e - p);
      if (maxBytes > buf.length) {
        buf = new byte[Math.max(maxBytes, buf.length * 2)];
      }
      int nb = Utf8.encode(text, p, e, buf);
      int pieceStart = p;
      p = e;
      if (nb == 1 && !missingBytes) {
        out.add(byteToId[buf[0] & 0xFF]);
        continue;
      }
      int h = ByteSequenceMap.hash(buf, 0, nb);
      if (ignoreMerges) {
        int whole = encoder.get(buf, 0, nb, h);
        if (whole >= 0) {
          out.add(whole);
          continue;
        }
      }
      if (mc == null) {
        mc = cache.get();
      }
      if (nb <= MergeCache.MAX_KEY && mc.lookup(buf, nb, h, out)) {
        continue;
      }
      if (sym.length < nb) {
        sym = new int[Math.max(nb, sym.length * 2)];
      }
      for (int i = 0; i < nb; i++) {
        sym[i] = byteToId[buf[i] & 0xFF];
      }
      if (merger == null) {
        merger = new BpeMerger(merges);
      }
      int before = out.size();
      merger.merge(sym, nb, out);
      if (nb <= MergeCache.MAX_KEY) {
        mc.store(buf, nb, h, out, before);
      }
      if (missingBytes) {
        for (int i = before; i < out.size(); i++) {
          if (out.get(i) < 0) {
            throw new IllegalArgumentException(
                "text contains a byte that has no token in " + name() + ": '"
                    + text.substring(pieceStart, e) + "'");
          }
        }
      }
    }
  }

  /**
   * A small direct-mapped cache, piece bytes to ids, confined to one thread: real text repeats
   * its words, and a hit skips the merge loop. Results are deterministic, so caching never
   * changes them.
   */
  private static final class MergeCache {
    static final int MAX_KEY = 48;
    private static final int SIZE = 4096;
    private final byte[][] keys = new byte[SIZE][];
    private final int[][] values = new int[SIZE][];

    boolean lookup(byte[] buf, int n, int h, IntList out) {
      int slot = (h ^ (h >>> 12)) & (SIZE - 1);
      byte[] k = keys[slot];
      if (k == null || k.length != n) {
        return false;
      }
      for (int i = 0; i < n; i++) {
        if (k[i] != buf[i]) {
          return false;
        }
      }
      int[] v = values[slot];
      out.addAll(v, 0, v.length);
      return true;
    }

    void store(byte[] buf, int n, int h, IntList out, int from) {
      int slot = (h ^ (h >>> 12)) & (SIZE - 1);
      keys[slot] = Arrays.copyOf(buf, n);
      int[] v = new int[out.size() - from];
      for (int i = 0; i < v.length; i++) {
        v[i] = out.get(from + i);
      }
      values[slot] = v;
    }
  }
}
