#!/usr/bin/env node
// Validates Kubernetes manifests offline against the API schemas of the kubernetes-models
// package (the OpenAPI schemas of the Kubernetes API, as JSON Schema): every document of every
// file given must be a known apiVersion/kind and pass its schema, including every nested
// object (containers, probes, volumes). Unknown field names are errors too, as the API
// server's strict field validation makes them.
//   node validate.mjs FILE.yaml...    prints one line per document; exit 0 all valid, 1 not, 2 usage
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { parseAllDocuments } from "yaml";

const require = createRequire(import.meta.url);

// "apps/v1" + "Deployment" -> kubernetes-models/apps/v1/Deployment; core "v1" has no group.
function modelFor(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string")
    throw new Error("apiVersion and kind must be strings");
  try {
    const module = require(`kubernetes-models/${apiVersion}/${kind}`);
    if (typeof module[kind] === "function") return module[kind];
  } catch (e) {
    if (e.code !== "MODULE_NOT_FOUND") throw e;
  }
  throw new Error(`unknown apiVersion/kind ${apiVersion}/${kind}`);
}

// Field names the API knows: every property any of the package's schemas checks. The schemas
// accept unknown properties (the OpenAPI documents do not forbid them) and the API server drops
// them, so a misspelt field (`completionMod`) would be lost silently; here it fails.
const knownFields = (() => {
  const names = new Set();
  for (const pkg of ["kubernetes-models", "@kubernetes-models/apimachinery"]) {
    const dir = join(dirname(require.resolve(`${pkg}/package.json`)), "_schemas");
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".js")))
      for (const m of readFileSync(join(dir, file), "utf8").matchAll(/parentDataProperty:"([^"]+)"/g))
        names.add(m[1]);
  }
  return names;
})();
// Maps whose keys are the user's (labels, resource names, ConfigMap keys, selectors).
const freeForm = new Set(["labels", "annotations", "matchLabels", "nodeSelector", "data",
  "binaryData", "limits", "requests", "selector", "stringData"]);

function unknownFields(value, path, out) {
  if (typeof value !== "object" || value === null) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => unknownFields(item, `${path}[${i}]`, out));
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (!knownFields.has(key)) out.push(`${path}.${key}: unknown field`);
    else if (!freeForm.has(key)) unknownFields(item, `${path}.${key}`, out);
  }
}

function validateDocument(doc, where) {
  const Model = modelFor(doc.apiVersion, doc.kind);
  const problems = [];
  try {
    new Model(doc).validate();
  } catch (e) {
    problems.push(e.message);
  }
  unknownFields(doc, "", problems);
  const name = `${doc.kind}/${doc.metadata?.name ?? "?"}`;
  if (problems.length) throw new Error(`${where}: ${name}: ${problems.join("; ")}`);
  return `${where}: ${name}: valid`;
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: validate.mjs FILE.yaml...");
  process.exit(2);
}
let failed = 0;
for (const file of files) {
  let docs;
  try {
    docs = parseAllDocuments(readFileSync(file, "utf8"));
  } catch (e) {
    console.error(`${file}: ${e.message}`);
    failed++;
    continue;
  }
  docs.forEach((parsed, i) => {
    const where = `${file}#${i + 1}`;
    try {
      if (parsed.errors.length) throw new Error(`${where}: YAML: ${parsed.errors[0].message}`);
      const doc = parsed.toJS();
      if (doc === null) return;  // an empty document (a trailing ---)
      console.log(validateDocument(doc, where));
    } catch (e) {
      console.error(e.message.startsWith(where) ? e.message : `${where}: ${e.message}`);
      failed++;
    }
  });
}
process.exit(failed ? 1 : 0);
