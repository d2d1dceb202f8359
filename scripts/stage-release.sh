#!/usr/bin/env bash
# Stages a release of the library modules and the BOM into a local folder, as `mvn deploy` would
# upload it, then checks every staged artifact the way Maven Central validates a deployment
# (scripts/CheckStagedRelease.java): pom, jar, -sources.jar, -javadoc.jar, md5/sha1 checksums,
# the required POM elements, no build-machine leftovers in the POMs.
#
#   scripts/stage-release.sh [folder]      (default: target/staging at the repository root)
#
# Nothing is installed into ~/.m2 (install is skipped) and nothing is published. Signing (.asc)
# happens only in the release profile (mvn deploy -Prelease, see the root pom.xml).
set -euo pipefail
cd "$(dirname "$0")/.."
stage="${1:-$PWD/target/staging}"
rm -rf "$stage"
mkdir -p "$stage"
mvn -B -q deploy -DskipTests -Dmaven.install.skip=true \
  -DaltDeploymentRepository="local::file://$stage"
java scripts/CheckStagedRelease.java "$stage" dev.llmkit \
  llmkit-parent:pom llm-bom:pom \
  llm-tokenizer:jar llm-sampling:jar llm-tensor:jar llm-model:jar llm-training:jar
