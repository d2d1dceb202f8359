import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Checks a staged Maven repository as Maven Central validates a deployment. Run by
 * scripts/stage-release.sh:
 *
 *   java scripts/CheckStagedRelease.java STAGE_DIR GROUP_ID ARTIFACT:PACKAGING...
 *
 * For every artifact: the POM, and for jar packaging the jar, -sources.jar and -javadoc.jar, each
 * with matching .md5 and .sha1 files (and .asc signatures when -Dsigned=true); POM elements
 * required by Central (name, description, url, licenses, developers, scm; inherited from a staged
 * parent counts); a release version; no unresolved ${...} or build-machine paths in the POM; a module
 * name in the jar; Java sources in -sources.jar; index.html in -javadoc.jar. Exit status 1 and one
 * line per problem when anything fails.
 */
public final class CheckStagedRelease {
  private static final String[] LEFTOVERS = {
    "llmkit.shared.data", "maven.multiModuleProjectDirectory", "/work/", "/root/", "/home/",
    "${revision}"
  };

  private final Path stage;
  private final String group;
  private final boolean signed = Boolean.getBoolean("signed");
  private final List<String> problems = new ArrayList<>();
  private int files;

  private CheckStagedRelease(Path stage, String group) {
    this.stage = stage;
    this.group = group;
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: CheckStagedRelease STAGE_DIR GROUP_ID ARTIFACT:PACKAGING...");
      System.exit(2);
    }
    CheckStagedRelease c = new CheckStagedRelease(Path.of(args[0]), args[1]);
    for (int i = 2; i < args.length; i++) {
      String[] ap = args[i].split(":");
      c.checkArtifact(ap[0], ap[1]);
    }
    if (!c.problems.isEmpty()) {
      c.problems.forEach(p -> System.err.println("staged release: " + p));
      System.exit(1);
    }
    System.out.println("staged release OK: " + (args.length - 2) + " artifacts, " + c.files
        + " files checked in " + c.stage);
  }

  private Path dir(String artifact) throws IOException {
    Path base = stage.resolve(group.replace('.', '/')).resolve(artifact);
    if (!Files.isDirectory(base)) {
      return null;
    }
    try (var s = Files.list(base)) {
      return s.filter(Files::isDirectory).findFirst().orElse(null);
    }
  }

  private void checkArtifact(String artifact, String packaging) throws Exception {
    Path d = dir(artifact);
    if (d == null) {
      problems.add(artifact + ": not staged");
      return;
    }
    String version = d.getFileName().toString();
    if (version.endsWith("-SNAPSHOT")) {
      problems.add(artifact + ": version " + version + " is a snapshot");
    }
    String stem = artifact + "-" + version;
    Path pom = d.resolve(stem + ".pom");
    if (checkFile(pom)) {
      checkPom(artifact, version, pom);
    }
    if (packaging.equals("jar")) {
      Path jar = d.resolve(stem + ".jar");
      if (checkFile(jar)) {
        checkJar(jar);
      }
      Path sources = d.resolve(stem + "-sources.jar");
      if (checkFile(sources) && !containsEntry(sources, ".java")) {
        problems.add(sources.getFileName() + ": no .java file");
      }
      Path javadoc = d.resolve(stem + "-javadoc.jar");
      if (checkFile(javadoc) && !containsEntry(javadoc, "index.html")) {
        problems.add(javadoc.getFileName() + ": no index.html");
      }
    }
  }

  /** The file exists, is not empty and has correct checksums (and a signature if required). */
  private boolean checkFile(Path f) throws Exception {
    if (!Files.isRegularFile(f) || Files.size(f) == 0) {
      problems.add(f.getFileName() + ": missing or empty");
      return false;
    }
    files++;
    byte[] bytes = Files.readAllBytes(f);
    for (String[] alg : new String[][] {{"md5", "MD5"}, {"sha1", "SHA-1"}}) {
      Path sum = Path.of(f + "." + alg[0]);
      if (!Files.isRegularFile(sum)) {
        problems.add(f.getFileName() + ": no ." + alg[0] + " checksum");
        continue;
      }
      String want = HexFormat.of().formatHex(MessageDigest.getInstance(alg[1]).digest(bytes));
      String got = Files.readString(sum, StandardCharsets.US_ASCII).trim().split("\\s+")[0];
      if (!want.equalsIgnoreCase(got)) {
        problems.add(f.getFileName() + ": ." + alg[0] + " is " + got + ", the file's is " + want);
      }
    }
    if (signed && !Files.isRegularFile(Path.of(f + ".asc"))) {
      problems.add(f.getFileName() + ": no .asc signature");
    }
    return true;
  }

  private void checkPom(String artifact, String version, Path pom) throws Exception {
    String text = Files.readString(pom, StandardCharsets.UTF_8);
    for (String bad : LEFTOVERS) {
      if (text.contains(bad)) {
        problems.add(pom.getFileName() + ": contains build-machine leftover '" + bad + "'");
      }
    }
    Element root = parse(pom);
    if (!artifact.equals(child(root, "artifactId"))) {
      problems.add(pom.getFileName() + ": artifactId is " + child(root, "artifactId"));
    }
    if (!version.equals(inherited(root, "version"))) {
      problems.add(pom.getFileName() + ": version is " + inherited(root, "version"));
    }
    if (!group.equals(inherited(root, "groupId"))) {
      problems.add(pom.getFileName() + ": groupId is " + inherited(root, "groupId"));
    }
    if (child(root, "name") == null) {
      problems.add(pom.getFileName() + ": no <name>");
    }
    if (child(root, "description") == null) {
      problems.add(pom.getFileName() + ": no <description>");
    }
    for (String[] req : new String[][] {
        {"url"}, {"licenses", "license", "name"}, {"licenses", "license", "url"},
        {"developers", "developer", "name"}, {"scm", "url"}, {"scm", "connection"}}) {
      if (inheritedPath(root, req) == null) {
        problems.add(pom.getFileName() + ": no <" + String.join("/", req) + "> (nor in a parent)");
      }
    }
  }

  private void checkJar(Path jar) throws IOException {
    try (JarFile j = new JarFile(jar.toFile())) {
      Manifest m = j.getManifest();
      boolean named = j.getEntry("module-info.class") != null
          || (m != null && m.getMainAttributes().getValue("Automatic-Module-Name") != null);
      if (!named) {
        problems.add(jar.getFileName() + ": no module-info.class nor Automatic-Module-Name");
      }
      if (j.stream().noneMatch(e -> e.getName().endsWith(".class"))) {
        problems.add(jar.getFileName() + ": no classes");
      }
    }
  }

  private static boolean containsEntry(Path jar, String suffix) throws IOException {
    try (JarFile j = new JarFile(jar.toFile())) {
      return j.stream().anyMatch(e -> e.getName().endsWith(suffix));
    }
  }

  private static Element parse(Path pom) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    Document d = f.newDocumentBuilder().parse(pom.toFile());
    return d.getDocumentElement();
  }

  private static Element childElement(Element e, String name) {
    for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element c && c.getTagName().equals(name)) {
        return c;
      }
    }
    return null;
  }

  private static String child(Element e, String name) {
    Element c = childElement(e, name);
    return c == null || c.getTextContent().isBlank() ? null : c.getTextContent().trim();
  }

  private String inherited(Element root, String name) throws Exception {
    String v = child(root, name);
    Element parent = childElement(root, "parent");
    return v != null || parent == null ? v : child(parent, name);
  }

  /** An element path in this POM or, failing that, in its parent chain staged beside it. */
  private String inheritedPath(Element root, String[] path) throws Exception {
    for (Element pom = root; pom != null; pom = stagedParent(pom)) {
      Element e = pom;
      for (String p : path) {
        e = e == null ? null : childElement(e, p);
      }
      if (e != null && !e.getTextContent().isBlank()) {
        return e.getTextContent().trim();
      }
    }
    return null;
  }

  private Element stagedParent(Element pom) throws Exception {
    Element p = childElement(pom, "parent");
    if (p == null) {
      return null;
    }
    Path f = stage.resolve(child(p, "groupId").replace('.', '/')).resolve(child(p, "artifactId"))
        .resolve(child(p, "version"))
        .resolve(child(p, "artifactId") + "-" + child(p, "version") + ".pom");
    if (!Files.isRegularFile(f)) {
      problems.add("parent " + child(p, "artifactId") + " is not staged: " + f);
      return null;
    }
    return parse(f);
  }
}
