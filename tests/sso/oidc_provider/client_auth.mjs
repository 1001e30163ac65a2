// Clients of server.mjs that authenticate other ways than client_secret_basic, and the
// grants tests/sso/test_client_authentication.py walks with each of them.
//
//   <OIDC_CLIENT_ID>-basic  client_secret_basic (the secret of the main client)
//   <OIDC_CLIENT_ID>-post   client_secret_post (the same secret)
//   <OIDC_CLIENT_ID>-jwt    private_key_jwt, verified with OIDC_JWT_CLIENT_JWKS (public keys)
//
// All may use authorization_code (refresh tokens are issued to clients allowed the
// refresh_token grant), refresh_token, client_credentials and an RFC 8693 token exchange,
// which oidc-provider does not implement: `registerTokenExchange` adds a small one that
// accepts this provider's own access tokens (JWT or opaque) and keeps their subject.

import * as jose from 'jose';
import { errors } from 'oidc-provider';

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const GRANTS = ['authorization_code', 'refresh_token', 'client_credentials', TOKEN_EXCHANGE];
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'];

export function clientAuthClients({ clientId, clientSecret, redirectUris, alg, scope }) {
  const common = {
    grant_types: GRANTS,
    response_types: ['code'],
    redirect_uris: redirectUris,
    id_token_signed_response_alg: alg,
    scope,
  };
  const clients = ['client_secret_basic', 'client_secret_post'].map((method) => ({
    ...common,
    client_id: `${clientId}-${method.split('_').at(-1)}`,
    client_secret: clientSecret,
    token_endpoint_auth_method: method,
  }));
  if (process.env.OIDC_JWT_CLIENT_JWKS) {
    clients.push({
      ...common,
      client_id: `${clientId}-jwt`,
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: JSON.parse(process.env.OIDC_JWT_CLIENT_JWKS),
    });
  }
  return clients;
}

// Provider options: refresh tokens for every client allowed the grant (without an
// offline_access consent), rotated on each use, as companies configure confidential clients.
export const refreshTokens = {
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
};

export function registerTokenExchange(provider, { jwks, resources, ttl, alg }) {
  const publicKeys = jose.createLocalJWKSet({
    keys: jwks.keys.map((key) =>
      Object.fromEntries(Object.entries(key).filter(([name]) => !PRIVATE_MEMBERS.includes(name))),
    ),
  });
  const kty = alg.startsWith('ES') ? 'EC' : 'RSA';
  const signingJwk =
    jwks.keys.find((key) => key.alg === alg) ?? jwks.keys.find((key) => key.kty === kty);

  async function subjectOf(token) {
    if (!token.includes('.')) {
      const opaque = await provider.AccessToken.find(token);
      return opaque && !opaque.isExpired ? opaque.accountId : undefined;
    }
    try {
      const { payload } = await jose.jwtVerify(token, publicKeys, {
        issuer: provider.issuer,
        typ: 'at+jwt',
      });
      return payload.sub;
    } catch {
      return undefined;
    }
  }

  async function handler(ctx) {
    const { subject_token: subjectToken, subject_token_type: subjectType } = ctx.oidc.params;
    const target = ctx.oidc.params.resource ?? ctx.oidc.params.audience;
    if (subjectType !== ACCESS_TOKEN_TYPE || !subjectToken) {
      throw new errors.InvalidRequest(`subject_token of type ${ACCESS_TOKEN_TYPE} is required`);
    }
    if (!resources[target]) {
      throw new errors.InvalidTarget();
    }
    const subject = await subjectOf(subjectToken);
    if (!subject) {
      throw new errors.InvalidGrant('subject_token is not an access token of this provider');
    }
    const key = await jose.importJWK(signingJwk, alg);
    const accessToken = await new jose.SignJWT({
      client_id: ctx.oidc.client.clientId,
      scope: resources[target].scope,
    })
      .setProtectedHeader({ alg, kid: signingJwk.kid, typ: 'at+jwt' })
      .setIssuer(provider.issuer)
      .setSubject(subject)
      .setAudience(target)
      .setIssuedAt()
      .setExpirationTime(`${ttl}s`)
      .setJti(crypto.randomUUID())
      .sign(key);
    ctx.body = {
      access_token: accessToken,
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: 'Bearer',
      expires_in: ttl,
      scope: resources[target].scope,
    };
  }

  provider.registerGrantType(TOKEN_EXCHANGE, handler, [
    'subject_token',
    'subject_token_type',
    'requested_token_type',
    'audience',
    'resource',
    'scope',
  ]);
}
