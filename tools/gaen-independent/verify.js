// Read and verify an Exposure Notification export zip with implementations independent of PhòngDịch's:
// adm-zip opens the archive, protobufjs decodes export.bin and export.sig from the published schema
// (export.proto), Node's crypto checks the ECDSA P-256 / SHA-256 signature over the whole export.bin.
// usage: node verify.js PUBLIC-KEYS.txt EXPORT.zip
//   PUBLIC-KEYS.txt: lines "<key id>-<version> <base64 DER SubjectPublicKeyInfo>", "#" comments
//   prints {"status": "verified" | "invalid", "reason": ..., "export": {...}} on one line
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const AdmZip = require("adm-zip");
const protobuf = require("protobufjs");

const HEADER = Buffer.from("EK Export v1    ", "latin1");
const ECDSA_SHA256 = "1.2.840.10045.4.3.2";

function loadKeys(text) {
  const keys = new Map();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const [name, encoded] = line.split(/\s+/);
    const key = crypto.createPublicKey({ key: Buffer.from(encoded, "base64"), format: "der", type: "spki" });
    keys.set(name, key);
  }
  return keys;
}

function keyJson(key) {
  return {
    key_data: Buffer.from(key.key_data).toString("base64"),
    rolling_start_interval_number: key.rolling_start_interval_number,
    rolling_period: key.rolling_period,
    transmission_risk_level: key.transmission_risk_level,
    report_type: key.report_type,
    days_since_onset_of_symptoms: key.hasOwnProperty("days_since_onset_of_symptoms")
      ? key.days_since_onset_of_symptoms
      : null,
  };
}

function verify(keysFile, zipFile) {
  const schema = fs.readFileSync(path.join(__dirname, "export.proto"), "utf8");
  const root = protobuf.parse(schema, { keepCase: true }).root;
  const Export = root.lookupType("TemporaryExposureKeyExport");
  const SignatureList = root.lookupType("TEKSignatureList");
  const keys = loadKeys(fs.readFileSync(keysFile, "utf8"));
  const zip = new AdmZip(zipFile);
  const binEntry = zip.getEntry("export.bin");
  const sigEntry = zip.getEntry("export.sig");
  if (!binEntry || !sigEntry) return { status: "invalid", reason: "missing export.bin or export.sig" };
  const content = binEntry.getData();
  if (!content.subarray(0, 16).equals(HEADER)) return { status: "invalid", reason: "bad header" };
  const signatures = SignatureList.decode(sigEntry.getData()).signatures;
  let verified = null;
  for (const entry of signatures) {
    const info = entry.signature_info || {};
    const name = `${info.verification_key_id}-${info.verification_key_version}`;
    const key = keys.get(name);
    if (!key) continue;
    if (info.signature_algorithm !== ECDSA_SHA256) return { status: "invalid", reason: "algorithm" };
    const ok = crypto.verify("sha256", content, { key, dsaEncoding: "der" }, Buffer.from(entry.signature));
    if (!ok) return { status: "invalid", reason: `signature mismatch (${name})` };
    verified = name;
  }
  if (!verified) return { status: "invalid", reason: "no signature by a known key" };
  const message = Export.decode(content.subarray(16));
  const decoded = Export.toObject(message, { longs: String, defaults: true });
  return {
    status: "verified",
    key: verified,
    export: {
      region: decoded.region,
      batch_num: decoded.batch_num,
      batch_size: decoded.batch_size,
      start_timestamp: Number(decoded.start_timestamp),
      end_timestamp: Number(decoded.end_timestamp),
      signature_infos: decoded.signature_infos.map((info) => ({
        key_id: info.verification_key_id,
        key_version: info.verification_key_version,
        algorithm: info.signature_algorithm,
      })),
      keys: message.keys.map(keyJson),
      revised_keys: message.revised_keys.map(keyJson),
    },
  };
}

let result;
try {
  result = verify(process.argv[2], process.argv[3]);
} catch (error) {
  result = { status: "invalid", reason: String(error && error.message ? error.message : error) };
}
process.stdout.write(JSON.stringify(result) + "\n");
