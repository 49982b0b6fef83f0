// The deployment's settings come only from /config.json (written by infra from the stack's
// outputs, or by the local stack from its own endpoints): no id of any pool or API in code.

export async function loadConfig(url = '/config.json') {
  const response = await fetch(url, { cache: 'no-cache' });
  if (!response.ok) throw new Error(`cannot read ${url}: HTTP ${response.status}`);
  return response.json();
}

/** Amplify v6 resource configuration for a config.json. Custom Cognito endpoints (moto, in
 * the local stack) are set only when config.json names them: in AWS they stay empty. */
export function amplifyConfig(config) {
  const endpoints = config.endpoints ?? {};
  const cognito = {
    userPoolId: config.userPoolId,
    userPoolClientId: config.userPoolClientId,
    identityPoolId: config.identityPoolId,
  };
  if (endpoints.cognitoIdp) cognito.userPoolEndpoint = endpoints.cognitoIdp;
  if (endpoints.cognitoIdentity) cognito.identityPoolEndpoint = endpoints.cognitoIdentity;
  return {
    Auth: { Cognito: cognito },
    API: { GraphQL: { endpoint: config.graphqlUrl, region: config.region, defaultAuthMode: 'userPool' } },
  };
}
