package dev.llmkit.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmkit.training.TestChars;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataTest {

  @TempDir Path tmp;

  @Test
  void splitMix64MatchesPublishedSequence() {
    // Rosetta Code "Pseudo-random numbers/Splitmix64": seed 1234567.
    SplitMix64 r = new SplitMix64(1234567L);
    assertThat(Long.toUnsignedString(r.nextLong())).isEqualTo("6457827717110365317");
    assertThat(Long.toUnsignedString(r.nextLong())).isEqualTo("3203168211198807973");
    assertThat(Long.toUnsignedString(r.nextLong())).isEqualTo("9817491932198370423");
    assertThat(Long.toUnsignedString(r.nextLong())).isEqualTo("4593380528125082431");
    assertThat(Long.toUnsignedString(r.nextLong())).isEqualTo("16408922859458223821");
  }

  @Test
  void splitMix64StateRoundTrips() {
    SplitMix64 a = new SplitMix64(42);
    a.nextLong();
    long s = a.state();
    long x = a.nextLong(1000);
    a.setState(s);
    assertThat(a.nextLong(1000)).isEqualTo(x);
    assertThatThrownBy(() -> a.nextLong(0)).hasMessageContaining("bound");
  }

  @Test
  void windowsAreContiguousAndTargetsShiftedByOne() {
    int[] ids = new int[100];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = i;
    }
    RandomWindowBatches b = new RandomWindowBatches(TokenSequence.of(ids), 4, 8, 7);
    int[] x = new int[32];
    int[] y = new int[32];
    for (int rep = 0; rep < 50; rep++) {
      b.next(x, y);
      for (int row = 0; row < 4; row++) {
        int start = x[row * 8];
        assertThat(start).isBetween(0, 100 - 8 - 1);
        for (int t = 0; t < 8; t++) {
          assertThat(x[row * 8 + t]).isEqualTo(start + t);
          assertThat(y[row * 8 + t]).isEqualTo(start + t + 1);
        }
      }
    }
  }

  @Test
  void windowStartsAreUniformOverEveryValidStart() {
    // corpus of block + 3 tokens: starts 0, 1, 2 are valid (torch.randint(len - block))
    int block = 5;
    int[] ids = new int[block + 3];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = i;
    }
    RandomWindowBatches b = new RandomWindowBatches(TokenSequence.of(ids), 1, block, 1);
    int[] counts = new int[3];
    int[] x = new int[block];
    int[] y = new int[block];
    int n = 30_000;
    for (int i = 0; i < n; i++) {
      b.next(x, y);
      counts[x[0]]++;
    }
    for (int c : counts) {
      assertThat(c).isBetween(n / 3 - 600, n / 3 + 600); // > 7 sigma
    }
  }

  @Test
  void sameSeedSameBatchesAndStateRestores() {
    int[] ids = new int[1000];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = (i * 31) % 17;
    }
    RandomWindowBatches a = new RandomWindowBatches(TokenSequence.of(ids), 3, 10, 99);
    RandomWindowBatches b = new RandomWindowBatches(TokenSequence.of(ids), 3, 10, 99);
    int[] xa = new int[30];
    int[] ya = new int[30];
    int[] xb = new int[30];
    int[] yb = new int[30];
    a.next(xa, ya);
    long s = a.rngState();
    a.next(xa, ya);
    b.next(xb, yb);
    b.setRngState(s);
    b.next(xb, yb);
    assertThat(xb).isEqualTo(xa);
    assertThat(yb).isEqualTo(ya);
  }

  @Test
  void corpusShorterThanBlockPlusOneIsAClearError() {
    assertThatThrownBy(() -> new RandomWindowBatches(TokenSequence.of(new int[8]), 1, 8, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("8 tokens")
        .hasMessageContaining("block + 1 = 9");
    // exactly block + 1 tokens is enough: the only window starts at 0
    RandomWindowBatches ok = new RandomWindowBatches(TokenSequence.of(new int[] {1, 2, 3}), 2, 2, 0);
    int[] x = new int[4];
    int[] y = new int[4];
    ok.next(x, y);
    assertThat(x).containsExactly(1, 2, 1, 2);
    assertThat(y).containsExactly(2, 3, 2, 3);
  }

  @Test
  void mappedUint16FileIsLittleEndianAndReadsBack() throws Exception {
    Path f = tmp.resolve("train.bin");
    int[] ids = {0x1234, 65535, 0, 7};
    MappedTokenFile.write(f, TokenSequence.of(ids), TokenWidth.UINT16);
    byte[] bytes = Files.readAllBytes(f);
    assertThat(bytes).containsExactly(0x34, 0x12, 0xFF, 0xFF, 0, 0, 7, 0);
    MappedTokenFile m = MappedTokenFile.open(f, TokenWidth.UINT16);
    assertThat(m.length()).isEqualTo(4);
    int[] back = new int[4];
    m.copyTo(0, back, 0, 4);
    assertThat(back).containsExactly(ids);
    assertThat(m.slice(1, 3).get(0)).isEqualTo(65535);
  }

  @Test
  void mappedUint32FileReadsBackAndBadInputIsAnError() throws Exception {
    Path f = tmp.resolve("big.bin");
    int[] ids = {100_000, 1, 200_018};
    MappedTokenFile.write(f, TokenSequence.of(ids), TokenWidth.UINT32);
    assertThat(Files.size(f)).isEqualTo(12);
    MappedTokenFile m = MappedTokenFile.open(f, TokenWidth.UINT32);
    assertThat(m.get(2)).isEqualTo(200_018);
    assertThatThrownBy(() -> MappedTokenFile.write(tmp.resolve("x.bin"),
        TokenSequence.of(new int[] {70_000}), TokenWidth.UINT16))
        .hasMessageContaining("70000");
    assertThat(Files.exists(tmp.resolve("x.bin"))).isFalse();
    Files.write(tmp.resolve("odd.bin"), new byte[] {1, 2, 3});
    assertThatThrownBy(() -> MappedTokenFile.open(tmp.resolve("odd.bin"), TokenWidth.UINT16))
        .hasMessageContaining("3 bytes");
    assertThat(TokenWidth.forVocabulary(50_257)).isEqualTo(TokenWidth.UINT16);
    assertThat(TokenWidth.forVocabulary(100_277)).isEqualTo(TokenWidth.UINT32);
  }

  @Test
  void windowsFromAMappedFileEqualWindowsFromMemory() throws Exception {
    int[] ids = new int[500];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = (i * 7919) % 50_000;
    }
    Path f = tmp.resolve("c.bin");
    MappedTokenFile.write(f, TokenSequence.of(ids), TokenWidth.UINT16);
    RandomWindowBatches a = new RandomWindowBatches(TokenSequence.of(ids), 2, 16, 5);
    RandomWindowBatches b = new RandomWindowBatches(MappedTokenFile.open(f, TokenWidth.UINT16), 2, 16, 5);
    int[] xa = new int[32];
    int[] ya = new int[32];
    int[] xb = new int[32];
    int[] yb = new int[32];
    a.next(xa, ya);
    b.next(xb, yb);
    assertThat(xb).isEqualTo(xa);
    assertThat(yb).isEqualTo(ya);
  }

  @Test
  void tinyShakespeareSplitsAsNanoGpt() throws Exception {
    String text = TestChars.shakespeare();
    TestChars chars = new TestChars(text);
    assertThat(chars.vocabSize()).isEqualTo(65);
    Corpus c = Corpus.of(text, chars);
    // nanoGPT data/shakespeare_char/prepare.py: "train has 1,003,854 tokens", "val has 111,540 tokens"
    assertThat(c.train().length()).isEqualTo(1_003_854);
    assertThat(c.validation().length()).isEqualTo(111_540);
    assertThat(c.validation().get(0)).isEqualTo(chars.encode(text.substring(1_003_854, 1_003_855))[0]);
  }
}
