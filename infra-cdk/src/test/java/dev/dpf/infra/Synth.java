package dev.dpf.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awscdk.assertions.Template;

/**
 * Synthesizes the app for tests (offline, with cdk-nag) and reads templates as JSON. The default
 * synthesis is made once per test JVM.
 */
final class Synth {
  static final ObjectMapper JSON = new ObjectMapper();

  /** The infra-cdk folder (surefire runs in the module's folder). */
  static final Path INFRA = Path.of("").toAbsolutePath();

  /** The only context a deployment must give. */
  static final Map<String, Object> REQUIRED =
      Map.of("onPremCidr", "10.20.0.0/16", "mysqlSecret", "dpf/mysql");

  private static Result defaults;

  /** Both stacks and their templates. */
  record Result(DpfApp.Stacks stacks, Template ingestion, Template transformations) {
    JsonNode ingestionJson() {
      return JSON.valueToTree(ingestion.toJSON());
    }

    JsonNode transformationsJson() {
      return JSON.valueToTree(transformations.toJSON());
    }
  }

  private Synth() {}

  /** The app on the repository's definition with only the required context. */
  static synchronized Result defaults() {
    if (defaults == null) {
      defaults = with(Map.of());
    }
    return defaults;
  }

  /** The app with the required context plus {@code extra}. */
  static Result with(Map<String, Object> extra) {
    Map<String, Object> context = new TreeMap<>(REQUIRED);
    context.putAll(extra);
    DpfApp.Stacks stacks = DpfApp.build(DpfApp.newApp(context, null), INFRA);
    return new Result(
        stacks,
        Template.fromStack(stacks.ingestion()),
        Template.fromStack(stacks.transformations()));
  }

  /** {@code {"Ref": id}}. */
  static Map<String, Object> ref(String id) {
    return Map.of("Ref", id);
  }

  /** {@code {"Fn::GetAtt": [id, attribute]}}. */
  static Map<String, Object> getAtt(String id, String attribute) {
    return Map.of("Fn::GetAtt", List.of(id, attribute));
  }

  /** {@code {"Fn::Join": ["", parts]}}. */
  static Map<String, Object> join(Object... parts) {
    return Map.of("Fn::Join", List.of("", List.of(parts)));
  }

  /** The logical id of the only resource of {@code type}. */
  static String onlyId(Template t, String type) {
    Map<String, Map<String, Object>> all = t.findResources(type);
    if (all.size() != 1) {
      throw new AssertionError("expected one " + type + ", found " + all.keySet());
    }
    return all.keySet().iterator().next();
  }

  /** The logical id of the only resource of {@code type} whose id starts with {@code prefix}. */
  static String idStartingWith(Template t, String type, String prefix) {
    List<String> ids =
        t.findResources(type).keySet().stream().filter(k -> k.startsWith(prefix)).toList();
    if (ids.size() != 1) {
      throw new AssertionError("expected one " + type + " " + prefix + "*, found " + ids);
    }
    return ids.get(0);
  }

  /**
   * A value as text with CloudFormation intrinsics written out: {@code Ref} as {@code <id>}, {@code
   * Fn::GetAtt} as {@code <id.attr>}, {@code Fn::ImportValue} as {@code <import:name>}, {@code
   * Fn::Join} joined, {@code Fn::Sub} and pseudo parameters with {@code <AWS::Region>}.
   */
  static String render(JsonNode v) {
    if (v.isTextual() || v.isNumber() || v.isBoolean()) {
      return v.asText();
    }
    if (v.has("Ref")) {
      return "<" + v.get("Ref").asText() + ">";
    }
    if (v.has("Fn::GetAtt")) {
      return "<"
          + v.get("Fn::GetAtt").get(0).asText()
          + "."
          + v.get("Fn::GetAtt").get(1).asText()
          + ">";
    }
    if (v.has("Fn::ImportValue")) {
      return "<import:" + render(v.get("Fn::ImportValue")) + ">";
    }
    if (v.has("Fn::Sub") && v.get("Fn::Sub").isTextual()) {
      return v.get("Fn::Sub").asText().replaceAll("\\$\\{([^}]+)}", "<$1>");
    }
    if (v.has("Fn::Join")) {
      List<String> parts = new ArrayList<>();
      v.get("Fn::Join").get(1).forEach(p -> parts.add(render(p)));
      return String.join(v.get("Fn::Join").get(0).asText(), parts);
    }
    throw new AssertionError("cannot render " + v);
  }

  /** {@link #render(JsonNode)} of a value as {@link Template} gives it. */
  static String render(Object v) {
    return render(JSON.valueToTree(v));
  }

  /** The statements of the policies (inline and managed) attached to the role {@code roleId}. */
  static List<JsonNode> statements(Template t, String roleId) {
    List<JsonNode> out = new ArrayList<>();
    for (String type : List.of("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")) {
      t.findResources(
              type,
              Map.of(
                  "Properties",
                  Map.of(
                      "Roles",
                      software.amazon.awscdk.assertions.Match.arrayWith(List.of(ref(roleId))))))
          .values()
          .forEach(
              p ->
                  JSON.valueToTree(p).at("/Properties/PolicyDocument/Statement").forEach(out::add));
    }
    return out;
  }

  /** A JSON array or single value as a list of rendered strings. */
  static List<String> list(JsonNode v) {
    List<String> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    if (v.isArray()) {
      v.forEach(x -> out.add(render(x)));
    } else {
      out.add(render(v));
    }
    return out;
  }
}
