package dev.llmkit.tokenizer.bpe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.tokenizer.IntList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Both merge paths (array scan, heap) equal the textbook loop on random rules and inputs. */
class BpeMergerTest {

  /** The textbook loop: find the lowest-rank pair (leftmost on a tie), merge it, repeat. */
  static int[] naive(int[][] rules, int[] input) {
    List<Integer> s = new ArrayList<>();
    for (int v : input) {
      s.add(v);
    }
    while (true) {
      int best = Integer.MAX_VALUE;
      int bi = -1;
      int result = -1;
      for (int i = 0; i + 1 < s.size(); i++) {
        for (int[] r : rules) {
          if (r[0] == s.get(i) && r[1] == s.get(i + 1) && r[2] < best) {
            best = r[2];
            bi = i;
            result = r[3];
          }
        }
      }
      if (bi < 0) {
        return s.stream().mapToInt(Integer::intValue).toArray();
      }
      s.set(bi, result);
      s.remove(bi + 1);
    }
  }

  @Test
  void scanAndHeapEqualTheTextbookLoop() {
    Random rnd = new Random(7);
    for (int trial = 0; trial < 300; trial++) {
      int symbols = 4 + rnd.nextInt(6);
      List<int[]> rules = new ArrayList<>();
      PairTable table = new PairTable();
      int next = symbols;
      int nRules = 3 + rnd.nextInt(25);
      for (int k = 0; k < nRules; k++) {
        int a = rnd.nextInt(next);
        int b = rnd.nextInt(next);
        if (table.find(a, b) >= 0) {
          continue;
        }
        int rank = rnd.nextInt(10); // ties on purpose
        int[] r = {a, b, rank, next++};
        rules.add(r);
        table.put(a, b, rank, r[3]);
      }
      int n = trial % 2 == 0 ? 2 + rnd.nextInt(40) : 100 + rnd.nextInt(300);
      int[] input = new int[n];
      for (int i = 0; i < n; i++) {
        input[i] = rnd.nextInt(symbols);
      }
      IntList out = new IntList();
      new BpeMerger(table).merge(input.clone(), n, out);
      assertThat(out.toArray())
          .as("trial %d input %s", trial, Arrays.toString(input))
          .isEqualTo(naive(rules.toArray(new int[0][]), input));
    }
  }
}
