// Verify an HC1 certificate with PathCheck's DCC SDK, an implementation independent of PhòngDịch's,
// trusting only the keys of a trust list exported by `phongdich certificates-trust-list export`.
// usage: node verify.js TRUST-LIST.json HC1-FILE   → prints {"status": "...", "payload": {...}}
"use strict";
const fs = require("fs");
const Module = require("module");

// Never ask the network: an unknown key must stay unknown (the SDK would fetch PathCheck's registry).
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === "cross-fetch") {
    const offline = () => Promise.reject(new Error("offline: only the given trust list is trusted"));
    offline.default = offline;
    return offline;
  }
  return load.apply(this, arguments);
};

const dcc = require("./dist/dcc.js");

async function main() {
  const [trustFile, certificateFile] = process.argv.slice(2);
  const trusted = {};
  for (const entry of JSON.parse(fs.readFileSync(trustFile, "utf8"))) trusted[entry.kid] = entry.certificate;
  dcc.addCachedCerts(trusted);
  const result = await dcc.unpackAndVerify(fs.readFileSync(certificateFile, "utf8").trim());
  let payload = null;
  if (result.contents instanceof Map) {
    const hcert = result.contents.get(-260);
    payload = hcert instanceof Map ? hcert.get(1) : null;
  }
  process.stdout.write(JSON.stringify({ status: result.status, payload: payload }) + "\n");
}

main().catch((error) => {
  process.stdout.write(JSON.stringify({ status: "error", error: String(error) }) + "\n");
});
