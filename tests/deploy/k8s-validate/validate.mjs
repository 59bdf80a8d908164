// Offline validation of deploy/k8s (run by tests/deploy/validate_k8s.sh from deploy/k8s/.validate,
// where npm ci installed the pinned packages):
//   node validate.mjs --root <repository> --dir <manifest directory>
// 1. Every document parses, and its apiVersion and kind are a GA Kubernetes API that
//    kubernetes-models knows. The object is valid against that API's JSON schema (types,
//    required fields, formats) and has no field the schema does not define. The schemas allow
//    unknown fields, so a typo such as "readinesProbe" passes them; a separate check catches it.
// 2. The project's rules: resources, probes and non-root for every container; each service's
//    ConfigMap encodes as its config message (protoc --encode against config.proto) with the
//    ports, TLS files and thread settings the deployment needs; probes use the readiness names
//    from the C++ sources; Services, HPAs and PDBs match; the NetworkPolicies allow exactly the
//    architecture's arrows.
// Prints one line per failure and a summary; exit 0 when everything holds, 1 otherwise.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const ROOT = path.resolve(args.root ?? ".");
const DIR = path.resolve(args.dir ?? path.join(ROOT, "deploy/k8s"));
const NS = "burnout";

let passed = 0;
const failures = [];
function check(ok, what, detail = "") {
  if (ok) passed++;
  else failures.push(detail ? `${what}: ${detail}` : what);
  return ok;
}
const rel = (f) => path.relative(ROOT, f);

// ---------------------------------------------------------------- what the project says
// Ports: config/stack.textproto. Readiness names: the services' C++ constants.
const SERVICES = ["orchestrator", "text", "voice", "face", "fusion", "temporal"];
const ANALYZERS = SERVICES.filter((s) => s !== "orchestrator");
const AUTOSCALED = ["text", "voice", "face", "fusion"];
const CONFIG_MESSAGE = {
  orchestrator: "OrchestratorConfig",
  text: "TextServiceConfig",
  voice: "VoiceServiceConfig",
  face: "FaceServiceConfig",
  fusion: "FusionServiceConfig",
  temporal: "TemporalServiceConfig",
};
const LIBTORCH = ["text", "voice", "face", "fusion", "temporal"];
const METRICS_PORT = 9100;
const POSTGRES_PORT = 5432;

function stackPorts() {
  const text = fs.readFileSync(path.join(ROOT, "config/stack.textproto"), "utf8");
  const ports = {};
  for (const m of text.matchAll(/services\s*\{[^}]*?name:\s*"(\w+)"[^}]*?port:\s*(\d+)[^}]*\}/g)) ports[m[1]] = Number(m[2]);
  return ports;
}
function readinessNames() {
  const files = {
    orchestrator: "orchestrator/orchestrator_service.h",
    text: "services/text/text_service.h",
    voice: "services/voice/voice_service.h",
    face: "services/face/face_service.h",
    fusion: "services/fusion/fusion_service.h",
    temporal: "services/temporal/temporal_service.h",
  };
  const names = {};
  for (const [svc, f] of Object.entries(files)) {
    const m = fs.readFileSync(path.join(ROOT, f), "utf8").match(/k\w+Readiness\[\]\s*=\s*"([^"]+)"/);
    names[svc] = m ? m[1] : undefined;
  }
  return names;
}
const PORTS = stackPorts();
const READINESS = readinessNames();
for (const s of SERVICES) {
  check(Number.isInteger(PORTS[s]), `config/stack.textproto names the port of ${s}`);
  check(typeof READINESS[s] === "string", `the C++ sources name ${s}'s readiness service`);
}

// ---------------------------------------------------------------- loading
const kustomization = YAML.parse(fs.readFileSync(path.join(DIR, "kustomization.yaml"), "utf8"));
const resources = kustomization?.resources ?? [];
check(resources.length > 0, "kustomization.yaml lists resources");
for (const r of resources) check(fs.existsSync(path.join(DIR, r)), `kustomization.yaml resource ${r} exists`);
const listed = new Set(resources.map((r) => path.normalize(r)));
for (const f of fs.readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f) && f !== "kustomization.yaml")) {
  check(listed.has(f), "every manifest beside kustomization.yaml is listed in it",
    `${rel(path.join(DIR, f))} is not, so \`kubectl apply -k\` skips it (superseded? delete it)`);
}
const templateDir = path.join(DIR, "templates");
const templateFiles = fs.existsSync(templateDir)
  ? fs.readdirSync(templateDir).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join("templates", f))
  : [];

function load(file) {
  const text = fs.readFileSync(path.join(DIR, file), "utf8");
  const docs = YAML.parseAllDocuments(text, { strict: true, uniqueKeys: true });
  const out = [];
  docs.forEach((d, i) => {
    const errs = [...d.errors, ...d.warnings];
    if (!check(errs.length === 0, `${file} document ${i + 1} parses as YAML`, errs.map((e) => e.message).join("; "))) return;
    const obj = d.toJS();
    if (obj === null || obj === undefined) return;
    out.push({ file, index: i + 1, obj });
  });
  return out;
}
const applied = resources.flatMap(load);
const templates = templateFiles.flatMap(load);
const everything = [...applied, ...templates];
const where = (d) => `${d.file}#${d.index} ${d.obj?.kind ?? "?"}/${d.obj?.metadata?.name ?? "?"}`;

// ---------------------------------------------------------------- 1. schemas
// Unknown fields: the compiled validators read every property their schema defines (and
// enumerate the keys of maps), so a key of an object that the validator never read is one the
// schema does not have.
function tracked(value, at, log) {
  if (Array.isArray(value)) return value.map((v, i) => tracked(v, `${at}/${i}`, log));
  if (value === null || typeof value !== "object") return value;
  const rec = { at, keys: Object.keys(value), read: new Set(), enumerated: false };
  log.push(rec);
  const target = {};
  for (const k of rec.keys) target[k] = tracked(value[k], `${at}/${k}`, log);
  return new Proxy(target, {
    get(t, k, r) {
      if (typeof k === "string") rec.read.add(k);
      return Reflect.get(t, k, r);
    },
    has(t, k) {
      if (typeof k === "string") rec.read.add(k);
      return Reflect.has(t, k);
    },
    ownKeys(t) {
      rec.enumerated = true;
      return Reflect.ownKeys(t);
    },
  });
}

async function schemaCheck(d) {
  const { apiVersion, kind } = d.obj;
  if (!check(typeof apiVersion === "string" && typeof kind === "string", `${where(d)} has apiVersion and kind`)) return;
  // Only GA APIs: alpha and beta versions are off by default or removed in current clusters.
  if (!check(!/(alpha|beta)\d*$/.test(apiVersion), `${where(d)} uses a GA API`, `${apiVersion} is alpha/beta (deprecated or removed)`)) return;
  const module = apiVersion === "v1" ? "kubernetes-models/v1" : `kubernetes-models/${apiVersion}`;
  let Model;
  try {
    Model = (await import(`${module}/${kind}`))[kind];
  } catch {
    Model = undefined;
  }
  if (!check(Model && Model.kind === kind && Model.apiVersion === apiVersion, `${where(d)} is a known Kubernetes kind`, `${apiVersion} ${kind} is not a Kubernetes API kind`)) return;
  const log = [];
  const proxy = tracked(d.obj, "", log);
  try {
    Model.prototype.validate.call(proxy);
    check(true, `${where(d)} is schema-valid`);
  } catch (e) {
    check(false, `${where(d)} is schema-valid`, String(e.message ?? e).replace(/\n/g, "; "));
  }
  const unknown = [];
  for (const rec of log) {
    if (rec.enumerated || rec.at === "/status") continue;
    if (unknown.some((u) => rec.at === u || rec.at.startsWith(`${u}/`))) continue;  // inside an unknown field
    for (const k of rec.keys) if (!rec.read.has(k)) unknown.push(`${rec.at}/${k}`);
  }
  check(unknown.length === 0, `${where(d)} has only fields its schema defines`, `unknown field(s) ${unknown.join(", ")}`);
  if (kind !== "Namespace") check(d.obj.metadata?.namespace === NS, `${where(d)} is in namespace ${NS}`, `namespace ${d.obj.metadata?.namespace}`);
}
for (const d of everything) await schemaCheck(d);

// ---------------------------------------------------------------- helpers
const byKind = (kind, docs = applied) => docs.filter((d) => d.obj.kind === kind);
const named = (kind, name, docs = applied) => docs.find((d) => d.obj.kind === kind && d.obj.metadata?.name === name);
const workloads = [...byKind("Deployment"), ...byKind("StatefulSet")];
const podLabels = (w) => w.obj.spec?.template?.metadata?.labels ?? {};
const wname = (w) => w.obj.metadata.name;

function matches(selector, labels) {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    if (e.operator === "In" && !(has && e.values.includes(labels[e.key]))) return false;
    if (e.operator === "NotIn" && has && e.values.includes(labels[e.key])) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}
const selected = (selector) => workloads.filter((w) => matches(selector, podLabels(w)));
function selectorText(sel) {
  const parts = [
    ...Object.entries(sel?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(sel?.matchExpressions ?? []).map((e) => `${e.key} ${e.operator} (${(e.values ?? []).join("|")})`),
  ].sort();
  return parts.length ? parts.join(",") : "*";
}
const containersOf = (w) => w.obj.spec?.template?.spec?.containers ?? [];
const initContainersOf = (w) => w.obj.spec?.template?.spec?.initContainers ?? [];

// ---------------------------------------------------------------- 2. every container
for (const w of workloads) {
  const pod = w.obj.spec?.template?.spec ?? {};
  for (const [c, init] of [...containersOf(w).map((c) => [c, false]), ...initContainersOf(w).map((c) => [c, true])]) {
    const at = `${where(w)} container ${c.name}`;
    const r = c.resources ?? {};
    check(r.requests?.cpu && r.requests?.memory && r.limits?.cpu && r.limits?.memory,
      `${at} has resources`, "requests and limits for cpu and memory are required");
    if (!init) {
      check(!!c.readinessProbe, `${at} has a readinessProbe`);
      check(!!c.livenessProbe, `${at} has a livenessProbe`);
    }
    const nonRoot = c.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
    check(nonRoot === true && c.securityContext?.runAsNonRoot !== false && pod.securityContext?.runAsNonRoot !== false,
      `${at} runs as non-root`, "runAsNonRoot: true is required (container or pod securityContext)");
    const uid = c.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
    check(uid === undefined || uid > 0, `${at} does not set runAsUser 0`);
    check(c.securityContext?.allowPrivilegeEscalation === false, `${at} forbids privilege escalation`);
    check((c.securityContext?.capabilities?.drop ?? []).includes("ALL"), `${at} drops all capabilities`);
  }
}

// ---------------------------------------------------------------- 3. each burnout service
function protocEncode(message, text) {
  const r = spawnSync("protoc", [`--encode=burnout.v1.${message}`, "-I", path.join(ROOT, "proto"), path.join(ROOT, "proto/burnout/v1/config.proto")], { input: text });
  if (r.error) return `protoc could not run: ${r.error.message}`;
  return r.status === 0 ? "" : r.stderr.toString().trim().replace(/\n/g, "; ");
}
// The value of `key` inside the block `block { ... }` (one level, enough for these configs).
function blockOf(text, block) {
  const m = text.match(new RegExp(`(^|\\n)\\s*${block}\\s*\\{`));
  if (!m) return undefined;
  let depth = 0;
  const start = m.index + m[0].length;
  for (let i = start; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}") {
      if (depth === 0) return text.slice(start, i);
      depth--;
    }
  }
  return undefined;
}
const stripComments = (t) => t.replace(/#[^\n]*/g, "");
function valueOf(text, key) {
  const m = text?.match(new RegExp(`(?:^|[\\s{])${key}\\s*:\\s*(?:"([^"]*)"|([-\\w.]+))`));
  return m ? (m[1] ?? m[2]) : undefined;
}

for (const svc of SERVICES) {
  const port = PORTS[svc];
  const dep = named("Deployment", `burnout-${svc}`);
  if (!check(!!dep, `Deployment burnout-${svc} exists`)) continue;
  const at = where(dep);
  const pod = dep.obj.spec.template.spec;
  const c = containersOf(dep)[0] ?? {};
  check(containersOf(dep).length === 1, `${at} has one container`);
  check(typeof c.image === "string" && c.image.split(":")[0].endsWith("burnout-risk"), `${at} runs the burnout-risk image`, `image ${c.image}`);
  const cfgPath = `/etc/burnout/${svc}.textproto`;
  check(JSON.stringify(c.command) === JSON.stringify([`/opt/burnout/bin/burnout-${svc}`, "--config", cfgPath]),
    `${at} runs burnout-${svc} --config ${cfgPath}`, `command ${JSON.stringify(c.command)}`);
  const grpcPort = (c.ports ?? []).find((p) => p.containerPort === port);
  check(grpcPort?.name === "grpc", `${at} exposes ${port} as port "grpc"`);
  check((c.ports ?? []).some((p) => p.containerPort === METRICS_PORT && p.name === "metrics"), `${at} exposes ${METRICS_PORT} as port "metrics"`);

  // Probes: readiness on the service's own readiness name; liveness on the server as a whole.
  const rp = c.readinessProbe ?? {};
  const rpOk = rp.grpc ? rp.grpc.port === port && rp.grpc.service === READINESS[svc]
    : rp.httpGet ? rp.httpGet.path === "/readyz" && (rp.httpGet.port === "metrics" || rp.httpGet.port === METRICS_PORT) : rp.exec ? JSON.stringify(rp.exec.command ?? []).includes(READINESS[svc]) : false;
  check(rpOk, `${at} readiness probes ${READINESS[svc]} on ${port}`, `readinessProbe ${JSON.stringify(rp)}`);
  const lp = c.livenessProbe ?? {};
  const lpOk = lp.grpc ? lp.grpc.port === port && (lp.grpc.service ?? "") === ""
    : lp.tcpSocket ? lp.tcpSocket.port === port || lp.tcpSocket.port === "grpc" : !!(lp.httpGet || lp.exec);
  check(lpOk, `${at} liveness probes the server ("" or its port)`, `livenessProbe ${JSON.stringify(lp)}`);

  // /etc/burnout: the ConfigMap key and the TLS Secret, in one volume.
  const mount = (c.volumeMounts ?? []).find((m) => m.mountPath === "/etc/burnout");
  const vol = (pod.volumes ?? []).find((v) => v.name === mount?.name);
  if (!check(!!vol, `${at} mounts a volume at /etc/burnout`)) continue;
  const sources = vol.projected?.sources ?? (vol.configMap ? [{ configMap: vol.configMap }] : []);
  const cmSource = sources.find((s) => s.configMap?.items?.some((i) => i.path === `${svc}.textproto`) || (s.configMap && !s.configMap.items));
  const cmName = cmSource?.configMap?.name;
  const key = cmSource?.configMap?.items?.find((i) => i.path === `${svc}.textproto`)?.key ?? `${svc}.textproto`;
  const cm = named("ConfigMap", cmName);
  if (!check(!!cm && typeof cm.obj.data?.[key] === "string", `${at}: ConfigMap ${cmName} has ${key}`)) continue;
  const conf = cm.obj.data[key];
  const err = protocEncode(CONFIG_MESSAGE[svc], conf);
  check(err === "", `${where(cm)} ${key} encodes as burnout.v1.${CONFIG_MESSAGE[svc]}`, err);

  const plain = stripComments(conf);
  const server = blockOf(plain, "server");
  check(valueOf(server, "listen") === `0.0.0.0:${port}`, `${where(cm)} server.listen is 0.0.0.0:${port}`, `got ${valueOf(server, "listen")}`);
  check(valueOf(server, "metrics_listen") === `0.0.0.0:${METRICS_PORT}`, `${where(cm)} server.metrics_listen is 0.0.0.0:${METRICS_PORT}`);
  const tls = server && blockOf(server, "tls");
  const tlsFiles = { ca_file: "ca.crt", cert_file: "tls.crt", key_file: "tls.key" };
  for (const [k, f] of Object.entries(tlsFiles)) {
    check(valueOf(tls, k) === `/etc/burnout/tls/${f}`, `${where(cm)} server.tls.${k} is /etc/burnout/tls/${f}`, `got ${valueOf(tls, k)}`);
  }
  const wantClientCert = svc !== "orchestrator";
  check((valueOf(tls, "require_client_cert") === "true") === wantClientCert,
    `${where(cm)} server.tls.require_client_cert is ${wantClientCert}`);
  if (LIBTORCH.includes(svc)) check(valueOf(server, "torch_threads") === "1", `${where(cm)} server.torch_threads is 1`);
  const secretSource = sources.find((s) => s.secret);
  const secretName = secretSource?.secret?.name;
  for (const f of Object.values(tlsFiles)) {
    check(secretSource?.secret?.items?.some((i) => i.key === f && i.path === `tls/${f}`), `${at} projects Secret key ${f} to /etc/burnout/tls/${f}`);
  }
  const secret = named("Secret", secretName, everything);
  check(secret?.obj.type === "kubernetes.io/tls" && Object.values(tlsFiles).every((f) => f in { ...secret.obj.data, ...secret.obj.stringData }),
    `Secret ${secretName} (template) is kubernetes.io/tls with ca.crt, tls.crt, tls.key`);

  // Service: named as the orchestrator's targets say; headless for everything it fans out to.
  const service = named("Service", svc);
  if (check(!!service, `Service ${svc} exists`)) {
    check(matches({ matchLabels: service.obj.spec.selector }, podLabels(dep)), `${where(service)} selects burnout-${svc}'s pods`);
    check((service.obj.spec.ports ?? []).some((p) => p.port === port), `${where(service)} serves port ${port}`);
    if (svc !== "orchestrator") check(service.obj.spec.clusterIP === "None", `${where(service)} is headless`, "the orchestrator's dns:/// round_robin target must see every pod");
  }
  // Scaling and disruption.
  const hpas = byKind("HorizontalPodAutoscaler").filter((h) => h.obj.spec.scaleTargetRef?.kind === "Deployment" && h.obj.spec.scaleTargetRef?.name === `burnout-${svc}`);
  if (AUTOSCALED.includes(svc)) {
    if (check(hpas.length === 1, `burnout-${svc} has one HorizontalPodAutoscaler`)) {
      const h = hpas[0].obj;
      check(h.spec.metrics?.some((m) => m.type === "Resource" && m.resource?.name === "cpu"), `${where(hpas[0])} scales on CPU`);
      check(h.spec.minReplicas >= 2, `${where(hpas[0])} keeps at least 2 replicas`);
      check(dep.obj.spec.replicas === undefined, `${at} leaves replicas to the HPA`, "a fixed spec.replicas is reset on every apply");
    }
  } else {
    check(hpas.length === 0, `burnout-${svc} has no HorizontalPodAutoscaler`);
    check((dep.obj.spec.replicas ?? 1) >= 2, `${at} runs at least 2 replicas`);
  }
  const pdbs = byKind("PodDisruptionBudget").filter((p) => matches(p.obj.spec.selector, podLabels(dep)));
  check(pdbs.length === 1 && pdbs[0].obj.spec.minAvailable === 1, `burnout-${svc} has a PodDisruptionBudget with minAvailable 1`);

  if (svc === "orchestrator") {
    for (const a of ANALYZERS) {
      const target = valueOf(blockOf(plain, a), "target");
      check(target === `dns:///${a}.${NS}.svc.cluster.local:${PORTS[a]}`, `${where(cm)} ${a}.target is dns:///${a}.${NS}.svc.cluster.local:${PORTS[a]}`, `got ${target}`);
    }
    const url = valueOf(blockOf(plain, "store"), "postgres_url");
    check(typeof url === "string" && url.startsWith("postgresql://"), `${where(cm)} store.postgres_url is set`);
    check(url !== undefined && !/\/\/[^/@]*:[^/@]*@/.test(url), `${where(cm)} store.postgres_url carries no password`);
    const pw = (c.env ?? []).find((e) => e.name === "PGPASSWORD");
    check(!!pw?.valueFrom?.secretKeyRef, `${at} takes PGPASSWORD from a Secret`);
  }
}

// References: every Secret and ConfigMap a pod names exists (applied or template).
for (const w of workloads) {
  const pod = w.obj.spec.template.spec;
  const refs = [];
  for (const c of [...containersOf(w), ...initContainersOf(w)]) {
    for (const e of c.env ?? []) {
      if (e.valueFrom?.secretKeyRef) refs.push(["Secret", e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key]);
      if (e.valueFrom?.configMapKeyRef) refs.push(["ConfigMap", e.valueFrom.configMapKeyRef.name, e.valueFrom.configMapKeyRef.key]);
    }
  }
  for (const v of pod.volumes ?? []) {
    for (const s of v.projected?.sources ?? [{ secret: v.secret && { ...v.secret, name: v.secret.secretName }, configMap: v.configMap }]) {
      if (s.secret) for (const i of s.secret.items ?? [{}]) refs.push(["Secret", s.secret.name, i.key]);
      if (s.configMap) for (const i of s.configMap.items ?? [{}]) refs.push(["ConfigMap", s.configMap.name, i.key]);
    }
  }
  for (const [kind, name, key] of refs) {
    const d = named(kind, name, everything);
    const keys = d ? Object.keys({ ...d.obj.data, ...d.obj.stringData }) : [];
    check(!!d && (key === undefined || keys.includes(key)), `${where(w)} refers to ${kind} ${name}${key ? ` key ${key}` : ""}, which exists`);
  }
}

// ---------------------------------------------------------------- 4. NetworkPolicies
// Each ingress rule becomes arrows "<peer> -> <workload>:<port>"; they must be exactly the
// architecture's, and a default deny must cover everything else.
const policies = byKind("NetworkPolicy");
check(policies.some((p) => selectorText(p.obj.spec.podSelector) === "*" && (p.obj.spec.policyTypes ?? []).includes("Ingress") && !(p.obj.spec.ingress?.length)),
  "a default-deny NetworkPolicy selects every pod for ingress");
function peerNames(peer) {
  if (peer.ipBlock) return [`ip:${peer.ipBlock.cidr}`];
  if (peer.namespaceSelector && peer.podSelector) return [`ns:${selectorText(peer.namespaceSelector)}+pod:${selectorText(peer.podSelector)}`];
  if (peer.namespaceSelector) return [`ns:${selectorText(peer.namespaceSelector)}`];
  const ws = selected(peer.podSelector);
  return ws.length ? ws.map((w) => `pod:${wname(w)}`) : [`pod:${selectorText(peer.podSelector)}(none)`];
}
function portNames(port, w) {
  if (port.endPort) return [`${port.port}-${port.endPort}`];
  if (typeof port.port === "string") {
    const p = containersOf(w).flatMap((c) => c.ports ?? []).find((p) => p.name === port.port);
    return [p ? String(p.containerPort) : port.port];
  }
  return [String(port.port ?? "ANY")];
}
const arrows = new Set();
for (const p of policies) {
  const targets = selected(p.obj.spec.podSelector);
  for (const rule of p.obj.spec.ingress ?? []) {
    const peers = rule.from?.length ? rule.from.flatMap(peerNames) : ["ANYONE"];
    for (const w of targets) {
      const ports = rule.ports?.length ? rule.ports.flatMap((q) => portNames(q, w)) : ["ANY"];
      for (const peer of peers) for (const port of ports) arrows.add(`${peer} -> ${wname(w)}:${port}`);
    }
  }
}
const expected = new Set([
  `ns:kubernetes.io/metadata.name=ingress-nginx -> burnout-orchestrator:${PORTS.orchestrator}`,
  `ns:*+pod:burnout/client=true -> burnout-orchestrator:${PORTS.orchestrator}`,
  ...ANALYZERS.map((a) => `pod:burnout-orchestrator -> burnout-${a}:${PORTS[a]}`),
  `pod:burnout-orchestrator -> postgres:${POSTGRES_PORT}`,
  ...SERVICES.map((s) => `ns:kubernetes.io/metadata.name=monitoring -> burnout-${s}:${METRICS_PORT}`),
]);
for (const a of expected) check(arrows.has(a), `NetworkPolicies allow ${a}`);
for (const a of arrows) check(expected.has(a), `NetworkPolicies allow only the architecture's arrows`, `extra arrow ${a}`);

// ---------------------------------------------------------------- summary
for (const f of failures) console.log(`FAIL ${f}`);
console.log(`validate: ${applied.length} applied and ${templates.length} template objects in ${rel(DIR) || "."}, ` +
  `${arrows.size} allowed arrows; kubernetes-models ${JSON.parse(fs.readFileSync(new URL("./node_modules/kubernetes-models/package.json", import.meta.url), "utf8")).version}`);
console.log(`checks: ${passed} passed, ${failures.length} failed`);
process.exit(failures.length ? 1 : 0);
