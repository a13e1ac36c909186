// The Digital Credentials Consortium's verifier (@digitalcredentials/vc, pinned in
// package.json) on one credential, offline: the documents it may load are passed in
// on stdin by the Python test (tests/interop/laurel_web.py gathers them from Laurel's
// public routes and CDN), contexts come from the DCC's security-document-loader (and
// Laurel's vendored copies of published contexts the DCC does not ship); anything
// else is refused, so nothing reaches the network.
//
// stdin:  {"credential": {...}, "documents": {url: doc}, "contexts": {url: doc}, "now": "ISO"?}
// stdout: {"verified": bool, "errors": [messages], "log": [{id, valid}], "status": [...]}
//
// The set-up is the DCC verifier's own (verifier-core): DataIntegrityProof with the
// eddsa-rdfc-2022 cryptosuite, the security-document-loader, and status checking by
// @digitalcredentials/vc-bitstring-status-list, which verifies the status list
// credential's own proof and that its issuer is the credential's.
import * as vc from '@digitalcredentials/vc';
import {DataIntegrityProof} from '@digitalcredentials/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalcredentials/eddsa-rdfc-2022-cryptosuite';
import {securityLoader} from '@digitalcredentials/security-document-loader';
import {checkStatus} from '@digitalcredentials/vc-bitstring-status-list';
import jsigs from '@digitalcredentials/jsonld-signatures';

const input = JSON.parse(await new Promise((resolve, reject) => {
  let text = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', chunk => { text += chunk; });
  process.stdin.on('end', () => resolve(text));
  process.stdin.on('error', reject);
}));

const builder = securityLoader({fetchRemoteContexts: false});
for (const [url, doc] of Object.entries(input.contexts || {})) {
  // only what the DCC loader lacks: its own copies win
  if (!builder.documents.has(url)) builder.addStatic(url, doc);
}
const contexts = builder.build();
const documents = input.documents || {};
const loaded = [];

// Laurel's documents are answered as the DCC's own https handler answers them
// (security-document-loader's httpClientHandler): the URL is fetched, a fragment never
// reaches the server, the whole document comes back. No fragment selection: a key id
// must answer with the key itself, as it must for a live DCC verifier.
async function documentLoader(url) {
  const base = url.split('#')[0];
  if (Object.hasOwn(documents, base)) {
    loaded.push(url);
    return {contextUrl: null, documentUrl: url, document: documents[base]};
  }
  return contexts(url);  // throws "Document not found in document loader: <url>"
}

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
const options = {
  credential: input.credential,
  suite,
  documentLoader: jsigs.extendContextLoader(documentLoader),
  checkStatus,
};
if (input.now) options.now = input.now;
const result = await vc.verifyCredential(options);

const errors = [];
function collect(error) {
  if (!error) return;
  if (Array.isArray(error)) { error.forEach(collect); return; }
  if (error.message && !errors.includes(error.message)) errors.push(error.message);
  collect(error.errors);
  collect(error.cause);
}
collect(result.error);
for (const r of result.results || []) {
  collect(r.error);
  collect(r.purposeResult?.error);
}
collect(result.statusResult?.error);
for (const r of result.statusResult?.results || []) collect(r.error);

process.stdout.write(JSON.stringify({
  verified: result.verified === true,
  errors,
  log: result.log || result.results?.[0]?.log || [],
  status: (result.statusResult?.results || []).map(r => ({
    purpose: r.credentialStatus?.statusPurpose, verified: r.verified})),
  loaded,
}) + '\n');
