// An independent OpenID Provider for tests/sso/test_independent_provider.py: the certified
// panva/node-oidc-provider, configured only through its public options, on 127.0.0.1.
//
//   node server.mjs [--port N]         (or PORT=N; 0, the default, picks a free port)
//   stdout, first line:  LISTENING http://127.0.0.1:PORT   (that URL is the issuer)
//
// Environment (all optional):
//   OIDC_CLIENT_ID, OIDC_CLIENT_SECRET  the one confidential client (client_credentials, and
//                                       authorization_code to REDIRECT_URI below)
//   OIDC_SUBJECT                        the end-user every authorization request signs in
//                                       (default "cust-001")
//   OIDC_ACCESS_TOKEN_ALG               RS256 (default) or ES256, for JWT access tokens
//   OIDC_JWKS                           the private signing JWKS as JSON; the first key of a
//                                       type signs. Without it, one RSA and one P-256 key
//                                       are generated at start.
//   OIDC_GATEWAY_URL                    a gateway's public URL: the client may also redirect
//                                       to <url>/auth/callback, and is registered for
//                                       Back-Channel Logout at <url>/auth/backchannel-logout
//                                       (ending the session at /session/end posts a
//                                       logout_token there)
// As a company registers the gateway (all optional; the defaults keep the set-up above):
//   OIDC_REDIRECT_URIS                  more redirect URIs for the clients, comma-separated
//                                       (the gateway's /auth/callback)
//   OIDC_DEFAULT_RESOURCE               the resource of a request that names none; "" for
//                                       none, so that only `resource` gets a JWT for the API
//                                       (otherwise the access token is opaque, userinfo only)
//   OIDC_OFFLINE_ACCESS=1               offline_access scope and refresh_token grant
//   OIDC_CLIENT_TOKEN_CLAIMS            JSON claims added to client_credentials tokens
//   OIDC_USER_TOKEN_CLAIMS              JSON claims added to the end-user's access tokens
//                                       (a company's own claims, e.g. a portal's id)
//   OIDC_TOKEN_EXCHANGE=0               no token-exchange grant (a provider without one)
//   OIDC_JWT_CLIENT_JWKS                public keys of the private_key_jwt client; see
//                                       client_auth.mjs for the clients of each
//                                       authentication method (refresh, token exchange)
//
// Resource indicators (RFC 8707): `urn:portalgate` (the default resource, the gateway's
// audience in the tests) and `urn:other-api`; any other resource is `invalid_target`.
// Both get JWT access tokens (typ at+jwt), so `aud` is the resource indicator.
// Authorization requests need no user: /interaction/<uid> signs in OIDC_SUBJECT and grants
// what was asked at once, so a test can walk the code flow by following redirects and get
// a real ID token (typ JWT, `aud` the client id, signed with OIDC_ACCESS_TOKEN_ALG too).
// The process exits on SIGTERM/SIGINT and when its stdin closes, so a crashed test run
// cannot leave it behind.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import Provider, { errors } from 'oidc-provider';

import { clientAuthClients, refreshTokens, registerTokenExchange } from './client_auth.mjs';

const RESOURCES = {
  'urn:portalgate': { scope: 'orders:read profile:read' },
  'urn:other-api': { scope: 'reports:read' },
};
const DEFAULT_RESOURCE = process.env.OIDC_DEFAULT_RESOURCE ?? 'urn:portalgate';
const extraRedirectUris = (process.env.OIDC_REDIRECT_URIS ?? '').split(',').filter(Boolean);
const offlineAccess = process.env.OIDC_OFFLINE_ACCESS === '1';
const clientTokenClaims = JSON.parse(process.env.OIDC_CLIENT_TOKEN_CLAIMS ?? '{}');
const userTokenClaims = JSON.parse(process.env.OIDC_USER_TOKEN_CLAIMS ?? '{}');
const ACCESS_TOKEN_TTL_S = 300;
const REDIRECT_URI = 'http://127.0.0.1:9/callback'; // never contacted: tests stop at the redirect

const { values: args } = parseArgs({ options: { port: { type: 'string' } } });
const port = Number(args.port ?? process.env.PORT ?? 0);
const clientId = process.env.OIDC_CLIENT_ID ?? 'portalgate-tests';
const clientSecret = process.env.OIDC_CLIENT_SECRET ?? 'portalgate-tests-secret';
const subject = process.env.OIDC_SUBJECT ?? 'cust-001';
const accessTokenAlg = process.env.OIDC_ACCESS_TOKEN_ALG ?? 'RS256';
const gatewayUrl = process.env.OIDC_GATEWAY_URL;
const gatewayClient = gatewayUrl
  ? {
      redirect_uris: [REDIRECT_URI, ...extraRedirectUris, `${gatewayUrl}/auth/callback`],
      backchannel_logout_uri: `${gatewayUrl}/auth/backchannel-logout`,
      backchannel_logout_session_required: true,
    }
  : {};
if (!['RS256', 'ES256'].includes(accessTokenAlg)) {
  throw new Error(`OIDC_ACCESS_TOKEN_ALG must be RS256 or ES256, got ${accessTokenAlg}`);
}

function generatedJwks() {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  return {
    keys: [
      { ...rsa.export({ format: 'jwk' }), kid: 'rsa-generated', use: 'sig', alg: 'RS256' },
      { ...ec.export({ format: 'jwk' }), kid: 'ec-generated', use: 'sig', alg: 'ES256' },
    ],
  };
}

const jwks = process.env.OIDC_JWKS ? JSON.parse(process.env.OIDC_JWKS) : generatedJwks();

// Listen first: with port 0 the issuer URL is only known once the socket is bound.
const server = createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, '127.0.0.1', resolve);
});
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      grant_types: ['client_credentials', 'authorization_code', ...(offlineAccess ? ['refresh_token'] : [])],
      response_types: ['code'],
      redirect_uris: [REDIRECT_URI, ...extraRedirectUris],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: accessTokenAlg,
      scope: `openid orders:read profile:read reports:read${offlineAccess ? ' offline_access' : ''}`,
      ...gatewayClient,
    },
    ...clientAuthClients({
      clientId,
      clientSecret,
      redirectUris: [REDIRECT_URI, ...extraRedirectUris],
      alg: accessTokenAlg,
      scope: 'openid orders:read profile:read reports:read',
    }),
  ],
  ...refreshTokens,
  scopes: ['openid', 'orders:read', 'profile:read', 'reports:read', ...(offlineAccess ? ['offline_access'] : [])],
  findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
  interactions: { url: async (_ctx, interaction) => `/interaction/${interaction.uid}` },
  jwks,
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: false },
    revocation: { enabled: false },
    backchannelLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // A request naming one resource gets it; one naming none gets DEFAULT_RESOURCE.
      defaultResource: async (_ctx, _client, oneOf) => (DEFAULT_RESOURCE || oneOf || undefined),
      getResourceServerInfo: async (_ctx, resourceIndicator) => {
        const resource = RESOURCES[resourceIndicator];
        if (!resource) {
          throw new errors.InvalidTarget();
        }
        return {
          audience: resourceIndicator,
          scope: resource.scope,
          accessTokenTTL: ACCESS_TOKEN_TTL_S,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: accessTokenAlg } },
        };
      },
    },
  },
  // Back-channel logout calls the gateway on 127.0.0.1, which oidc-provider's SSRF guard
  // (its own fetch dispatcher) refuses as a special-use address; tests run on loopback.
  fetch: (url, { dispatcher: _guard, ...options }) => globalThis.fetch(url, options),
  // A claim the gateway maps to Principal.tenant; everything else is oidc-provider's own,
  // or what OIDC_USER_TOKEN_CLAIMS adds to the end-user's access tokens (refreshed too).
  extraTokenClaims: async (_ctx, token) => {
    if (token.kind === 'ClientCredentials') return { tenant: 'acme', ...clientTokenClaims };
    return token.kind === 'AccessToken' ? userTokenClaims : undefined;
  },
});

// Login and consent without a page: sign in `subject` and grant everything asked for.
async function finishInteraction(req, res) {
  const { prompt, params, session, grantId } = await provider.interactionDetails(req, res);
  if (prompt.name === 'login') {
    await provider.interactionFinished(req, res, { login: { accountId: subject } });
    return;
  }
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
  if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
  if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const result = { consent: { grantId: await grant.save() } };
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
}

if (process.env.OIDC_TOKEN_EXCHANGE !== '0') {
  registerTokenExchange(provider, {
    jwks,
    resources: RESOURCES,
    ttl: ACCESS_TOKEN_TTL_S,
    alg: accessTokenAlg,
  });
}

const callback = provider.callback();
server.on('request', (req, res) => {
  if (req.url.startsWith('/interaction/')) {
    finishInteraction(req, res).catch((error) => {
      res.statusCode = 400;
      res.end(String(error));
    });
    return;
  }
  callback(req, res);
});

provider.on('backchannel.error', (_ctx, error, client) => {
  console.error(`back-channel logout to ${client.backchannelLogoutUri} failed: ${error.cause ?? error}`);
});

function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();

process.stdout.write(`LISTENING ${issuer}\n`);
