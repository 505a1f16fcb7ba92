// A real OpenID Provider (oidc-provider, certified) on loopback for the bridge's sign-in tests:
// dynamic client registration, authorization code with PKCE, RFC 8707 resource indicators that
// give JWT access tokens for the resource asked, and its development login and consent pages.
//   node tests/oidc/provider.mjs <port> <private JWKS file>
// The keys come from the test, so that it can also sign tokens the provider never would.
import fs from 'node:fs';
import Provider from 'oidc-provider';

const [port, keysFile] = process.argv.slice(2);
const jwks = JSON.parse(fs.readFileSync(keysFile, 'utf8'));
const account = (id) => ({ accountId: id, claims: () => ({ sub: id, email: `${id}@msp.example`, name: id }) });

const provider = new Provider(`http://127.0.0.1:${port}`, {
  jwks,
  clientDefaults: { id_token_signed_response_alg: 'ES256' },
  findAccount: (ctx, id) => account(id),
  claims: { openid: ['sub'], email: ['email'], profile: ['name'] },
  scopes: ['openid', 'offline_access', 'connectwise.read'],
  // Every account is in the cw-techs group, as a directory's groups claim would say.
  extraTokenClaims: (ctx, token) => (token.accountId ? { email: `${token.accountId}@msp.example`, name: token.accountId, groups: ['cw-techs'] } : {}),
  features: {
    devInteractions: { enabled: true },
    registration: { enabled: true },
    resourceIndicators: {
      enabled: true,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource) => ({
        scope: 'connectwise.read',
        audience: resource,
        // An hour, as Entra ID's and Okta's are; OpenWebUI refreshes a token within 5 minutes of its end.
        accessTokenTTL: 3600,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'ES256' } },
      }),
    },
  },
});
for (const event of ['server_error', 'authorization.error', 'grant.error', 'registration_create.error']) {
  provider.on(event, (ctx, error) => console.error(event, error));
}
provider.listen(Number(port), '127.0.0.1', () => console.log(`http://127.0.0.1:${port}`));
