#!/usr/bin/env bash
# Runs llm-tokenizer and llm-sampling on the module path (the tests run on the class path) and shows
# why the ND4J-based modules cannot: nd4j-api 1.0.0-M2.1's own descriptor is invalid at run time
# ("Package org.nd4j.autodiff.validation.listeners not found in module"), an upstream defect.
# Run after `mvn -B verify` or a compile of the modules.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target
mvn -B -q -o -pl llm-model -am compile dependency:build-classpath -Dmdep.outputFile="$PWD/target/jpms-cp.txt" >/dev/null
deps=$(tr ':' '\n' < target/jpms-cp.txt | grep -v -e nd4j-native-platform -e "$PWD/" | paste -sd:)
# llm-tokenizer needs only Jackson's core trio (llm-model's Jinjava also brings jackson-dataformat-yaml,
# which would need snakeyaml on the module path)
jackson=$(tr ':' '\n' < target/jpms-cp.txt | grep -e com/fasterxml/jackson/core/ | paste -sd:)
mp="llm-tokenizer/target/classes:llm-sampling/target/classes:$jackson"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/Smoke.java" <<'JAVA'
import dev.llmkit.sampling.Samplers;
import dev.llmkit.tokenizer.Tokenizer;
public class Smoke {
  public static void main(String[] a) {
    System.out.println("module of Tokenizer: " + Tokenizer.class.getModule().getName()
        + ", exports .bpe: " + Tokenizer.class.getModule().isExported("dev.llmkit.tokenizer.bpe"));
    System.out.println("module of Samplers: " + Samplers.class.getModule().getName()
        + ", greedy picks " + Samplers.greedy().getClass().getModule().getName());
  }
}
JAVA
java -p "$mp" --add-modules dev.llmkit.tokenizer,dev.llmkit.sampling "$tmp/Smoke.java"
echo "-- the ND4J-based modules:"
java -p "llm-tensor/target/classes:$deps" --add-modules dev.llmkit.tensor -version 2>&1 | head -3 || true
