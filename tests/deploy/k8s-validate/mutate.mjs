// Breaks a copy of deploy/k8s in one named way, so tests/deploy/validate_k8s.sh can show that
// validate.mjs catches it:   node mutate.mjs <copied manifest directory> <mutation>
// Prints the text the validator's failure must contain. Each entry: [that text, the edit].
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";

const [dir, mutation] = process.argv.slice(2);

function edit(file, fn) {
  const p = path.join(dir, file);
  const docs = YAML.parseAllDocuments(fs.readFileSync(p, "utf8")).map((d) => d.toJS()).filter(Boolean);
  const out = fn(docs) ?? docs;
  fs.writeFileSync(p, out.map((d) => YAML.stringify(d)).join("---\n"));
}
const find = (docs, kind, name) => docs.find((d) => d.kind === kind && (!name || d.metadata.name === name));
const container = (docs, name) => find(docs, "Deployment", name).spec.template.spec.containers[0];

const mutations = {
  // A misspelt field: schema-valid (unknown fields are allowed by the schemas), still caught.
  "typo-field": ["unknown field(s) /spec/template/spec/containers/0/readinesProbe", () => edit("text.yaml", (docs) => {
    const c = container(docs, "burnout-text");
    c.readinesProbe = c.readinessProbe;
    delete c.readinessProbe;
  })],
  "wrong-type": ["livenessProbe/periodSeconds must be integer", () => edit("text.yaml", (docs) => {
    container(docs, "burnout-text").livenessProbe.periodSeconds = "often";
  })],
  "unknown-kind": ["policy/v1 PodDisruptionBudgets is not a Kubernetes API kind", () => edit("temporal.yaml", (docs) => {
    find(docs, "PodDisruptionBudget").kind = "PodDisruptionBudgets";
  })],
  "beta-api": ["autoscaling/v2beta2 is alpha/beta", () => edit("voice.yaml", (docs) => {
    find(docs, "HorizontalPodAutoscaler").apiVersion = "autoscaling/v2beta2";
  })],
  "no-resources": ["container voice has resources", () => edit("voice.yaml", (docs) => {
    delete container(docs, "burnout-voice").resources.limits;
  })],
  "root": ["container face runs as non-root", () => edit("face.yaml", (docs) => {
    const d = find(docs, "Deployment");
    d.spec.template.spec.securityContext.runAsNonRoot = false;
    delete d.spec.template.spec.containers[0].securityContext.runAsNonRoot;
  })],
  "no-liveness": ["container postgres has a livenessProbe", () => edit("postgres.yaml", (docs) => {
    delete find(docs, "StatefulSet").spec.template.spec.containers[0].livenessProbe;
  })],
  "unknown-config-key": ['no field named "mc_sample"', () => edit("fusion.yaml", (docs) => {
    const cm = find(docs, "ConfigMap");
    cm.data["fusion.textproto"] = cm.data["fusion.textproto"].replace("mc_samples:", "mc_sample:");
  })],
  "wrong-readiness": ["readiness probes burnout.v1.TextAnalyzer", () => edit("text.yaml", (docs) => {
    container(docs, "burnout-text").readinessProbe.httpGet.path = "/metrics";
  })],
  "wrong-listen": ["server.listen is 0.0.0.0:7105", () => edit("temporal.yaml", (docs) => {
    const cm = find(docs, "ConfigMap");
    cm.data["temporal.textproto"] = cm.data["temporal.textproto"].replace('"0.0.0.0:7105"', '"127.0.0.1:7105"');
  })],
  "no-mtls": ["require_client_cert is true", () => edit("face.yaml", (docs) => {
    const cm = find(docs, "ConfigMap");
    cm.data["face.textproto"] = cm.data["face.textproto"].replace("require_client_cert: true", "require_client_cert: false");
  })],
  "not-headless": ["Service/fusion is headless", () => edit("fusion.yaml", (docs) => {
    delete find(docs, "Service").spec.clusterIP;
  })],
  "extra-arrow": ["extra arrow pod:burnout-text -> burnout-fusion:7104", () => edit("network-policies.yaml", (docs) => {
    find(docs, "NetworkPolicy", "fusion-from-orchestrator").spec.ingress[0].from.push({
      podSelector: { matchLabels: { "app.kubernetes.io/name": "burnout-text" } },
    });
  })],
  "open-port": ["extra arrow pod:burnout-orchestrator -> postgres:ANY", () => edit("network-policies.yaml", (docs) => {
    delete find(docs, "NetworkPolicy", "postgres-from-orchestrator").spec.ingress[0].ports;
  })],
  "no-default-deny": ["a default-deny NetworkPolicy", () => edit("network-policies.yaml", (docs) =>
    docs.filter((d) => d.metadata.name !== "default-deny-ingress"),
  )],
  "password-in-url": ["postgres_url carries no password", () => edit("orchestrator.yaml", (docs) => {
    const cm = find(docs, "ConfigMap");
    cm.data["orchestrator.textproto"] = cm.data["orchestrator.textproto"].replace("postgresql://burnout@", "postgresql://burnout:hunter2@");
  })],
};

if (mutation === "--list") {
  console.log(Object.keys(mutations).join(" "));
} else if (!mutations[mutation]) {
  console.error(`mutate: unknown mutation ${mutation}`);
  process.exit(2);
} else {
  const [expect, apply] = mutations[mutation];
  apply();
  console.log(expect);
}
