// A throw-away OpenID Connect provider for the tests (panva's oidc-provider), on
// loopback only; scripts/oidc.sh starts it:
//   PORT=<port> node e2e/oidc-provider.mjs
// Issuer http://127.0.0.1:$PORT (no trailing slash). Open dynamic client registration
// at /reg, so each test registers a client for its own server's redirect URI;
// OIDC_TEST_CLIENTS (a JSON array of client metadata) adds static clients.
// Users: see USERS; the login form checks their passwords, consent is implicit.
// Prints "ready <issuer>" once it listens; everything is kept in memory.
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) {
  console.error('oidc-provider.mjs: set PORT');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

// login -> password. "unverified" has email_verified false, to test refusing it.
const USERS = {
  alice: 'alice-password',
  bob: 'bob-password',
  carol: 'carol-password',
  dave: 'dave-password',
  erin: 'erin-password',
  frank: 'frank-password',
  unverified: 'unverified-password',
};
const SUB_PREFIX = 'sub-';

function account(accountId) {
  const login = accountId.startsWith(SUB_PREFIX) ? accountId.slice(SUB_PREFIX.length) : null;
  if (!login || !Object.hasOwn(USERS, login)) return undefined;
  return {
    accountId,
    async claims() {
      return {
        sub: accountId,
        preferred_username: login,
        name: login[0].toUpperCase() + login.slice(1),
        email: `${login}@example.test`,
        email_verified: login !== 'unverified',
      };
    },
  };
}

// A fresh signing key each run: nothing outlives the process, and the JWKS serves it.
const signingKey = {
  ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
  kid: 'test-rs256',
  use: 'sig',
  alg: 'RS256',
};

const provider = new Provider(issuer, {
  clients: JSON.parse(process.env.OIDC_TEST_CLIENTS || '[]'),
  jwks: { keys: [signingKey] },
  findAccount: (_ctx, sub) => account(sub),
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    email: ['email', 'email_verified'],
  },
  // Put the scopes' claims in the ID token too, not only behind the userinfo endpoint.
  conformIdTokenClaims: false,
  // auth_time in every ID token (not only when max_age or prompt=login asked for it),
  // so a test can compare it across logins.
  clientDefaults: {
    grant_types: ['authorization_code'],
    id_token_signed_response_alg: 'RS256',
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    require_auth_time: true,
  },
  // The app always sends S256; requiring it catches a regression there.
  pkce: { required: () => true },
  features: {
    // Its stock login page accepts any name with any password; ours is below.
    devInteractions: { enabled: false },
    registration: { enabled: true, initialAccessToken: false },
  },
  // Consent is implied: grant whatever OIDC scopes and claims the request names, so
  // the login form is the only page a user sees.
  async loadExistingGrant(ctx) {
    const { Grant } = ctx.oidc.provider;
    const clientId = ctx.oidc.client.clientId;
    const { accountId } = ctx.oidc.account;
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(clientId);
    let grant = grantId ? await Grant.find(grantId) : undefined;
    if (!grant || grant.accountId !== accountId) grant = new Grant({ clientId, accountId });
    grant.addOIDCScope([...ctx.oidc.requestParamOIDCScopes].join(' '));
    grant.addOIDCClaims([...ctx.oidc.requestParamClaims]);
    await grant.save();
    return grant;
  },
});

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(res, { uid, login = '', error, status = 200 }) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`<!doctype html>
<html><head><meta charset="utf-8"><title>Sign in</title></head>
<body>
<h1>Sign in</h1>
${error ? `<p id="error" role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}">
<label>Login <input name="login" value="${escape(login)}" autofocus></label>
<label>Password <input name="password" type="password"></label>
<button type="submit">Sign in</button>
</form>
</body></html>
`);
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

// GET shows the form; POST checks the password and hands the result back to the
// provider, which answers 303 to the authorization endpoint to resume the request.
async function interaction(req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction cookie for another uid');
  const { prompt, params } = details;

  if (prompt.name === 'consent') {
    // Only reached with prompt=consent: loadExistingGrant grants everything otherwise.
    const grant = new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    const consent = { grantId: await grant.save() };
    return provider.interactionFinished(req, res, { consent }, { mergeWithLastSubmission: true });
  }
  if (prompt.name !== 'login') throw new Error(`unhandled prompt ${prompt.name}`);

  if (req.method === 'GET') return loginPage(res, { uid, login: params.login_hint ?? '' });
  if (req.method !== 'POST') {
    res.writeHead(405).end();
    return undefined;
  }
  const form = await readForm(req);
  const login = form.get('login') ?? '';
  if (!Object.hasOwn(USERS, login) || USERS[login] !== form.get('password')) {
    return loginPage(res, { uid, login, error: 'Invalid login or password', status: 401 });
  }
  return provider.interactionFinished(
    req,
    res,
    { login: { accountId: SUB_PREFIX + login, amr: ['pwd'] } },
    { mergeWithLastSubmission: false },
  );
}

const providerCallback = provider.callback();
const server = http.createServer((req, res) => {
  const match = /^\/interaction\/([^/?]+)\/?(?:\?|$)/.exec(req.url);
  if (!match) return providerCallback(req, res);
  return interaction(req, res, decodeURIComponent(match[1])).catch((err) => {
    // Mostly a missing or stale interaction cookie (e.g. the form posted twice).
    console.error('interaction:', err);
    if (!res.headersSent) res.writeHead(400, { 'Content-Type': 'text/plain' });
    res.end(`interaction failed: ${err.message}\n`);
  });
});

server.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
