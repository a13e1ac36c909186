// A local OpenID Provider for the console's single sign-on tests: `oidc-provider`
// (a certified OpenID Provider implementation, pinned in package.json) on a loopback
// port, with the clients and behaviour the test asks for, and a one-page sign-in of
// its own (the package's dev pages load a web font from outside; these load nothing).
//
//   node tests/oidc/provider.mjs '<json config>'
//
// config: {"port": 4567,
//          "clients": [{"client_id", "client_secret", "redirect_uris": [...]}],
//          "domain": "acme.example",          a login without "@" becomes <login>@<domain>
//          "idTokenClaims": false,            true: email and name in the ID token too (not only at userinfo)
//          "clientAuthMethods": [...]}        what discovery offers (default: basic and post)
//
// Sign-in: any login, no password. The email claim is the login when it holds an "@",
// else <login>@<domain>; `email_verified` is true unless the login starts with "unverified".
// Consent is given with the sign-in. Prints "ready <issuer>" once it listens.
import crypto from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(process.argv[2] || process.env.OIDC_PROVIDER_CONFIG || '{}');
const port = Number(config.port);
const issuer = `http://127.0.0.1:${port}`;
const domain = config.domain || 'example.test';
const authMethods = config.clientAuthMethods || ['client_secret_basic', 'client_secret_post'];

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), use: 'sig', alg: 'RS256' };

function emailOf(login) {
  return login.includes('@') ? login.toLowerCase() : `${login.toLowerCase()}@${domain}`;
}

const provider = new Provider(issuer, {
  clients: (config.clients || []).map((c) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: authMethods[0],
    ...c,
  })),
  clientAuthMethods: authMethods,
  conformIdTokenClaims: !config.idTokenClaims,
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  scopes: ['openid', 'email', 'profile'],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  jwks: { keys: [signingKey] },
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        const login = sub.split('@')[0];
        return {
          sub,
          email: emailOf(sub),
          email_verified: !sub.startsWith('unverified'),
          name: login.charAt(0).toUpperCase() + login.slice(1),
        };
      },
    };
  },
});

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res, status, title, body) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)}</title>
<style>body{font-family:sans-serif;max-width:30rem;margin:2rem auto;padding:0 1rem}label,input,button{display:block;
font-size:1rem;margin:.5rem 0}input{width:100%;box-sizing:border-box;padding:.5rem}</style></head>
<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`);
}

async function readForm(req) {
  let raw = '';
  for await (const chunk of req) {
    raw += chunk;
    if (raw.length > 10000) throw new Error('form too large');
  }
  return new URLSearchParams(raw);
}

// The interaction pages: one sign-in form that also grants what the client asked for.
async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return page(res, 400, 'Wrong sign-in attempt', '<p>Start again.</p>');
  if (action === 'abort') {
    return provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'the person cancelled' },
      { mergeWithLastSubmission: false });
  }
  if (req.method === 'GET') {
    const client = await provider.Client.find(details.params.client_id);
    return page(res, 200, 'Sign in to the test identity provider', `
<p>${escape(client ? client.clientId : '')} asks who you are.</p>
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="login">Email or user name</label>
<input id="login" name="login" required autocomplete="username" value="${escape(details.params.login_hint || '')}">
<button type="submit">Sign in</button></form>
<p><a href="/interaction/${escape(uid)}/abort">Cancel</a></p>`);
  }
  const form = await readForm(req);
  const login = (form.get('login') || '').trim();
  if (!login) return page(res, 400, 'Enter a login', '<p>Go back and enter a login.</p>');
  const grant = new provider.Grant({ accountId: login, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { login: { accountId: login }, consent: { grantId } },
    { mergeWithLastSubmission: false });
}

const handler = provider.callback();
const server = http.createServer((req, res) => {
  const match = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|abort))?$/.exec(req.url.split('?')[0]);
  if (!match) return handler(req, res);
  return interaction(req, res, match[1], match[2]).catch((err) => {
    page(res, 400, 'That did not work', `<p>${escape(err.message)}</p>`);
  });
});
server.listen(port, '127.0.0.1', () => console.log(`ready ${issuer}`));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
