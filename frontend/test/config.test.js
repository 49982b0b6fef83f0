import assert from 'node:assert/strict';
import { test } from 'node:test';

import { amplifyConfig } from '../src/config.js';

const base = {
  region: 'eu-west-3',
  graphqlUrl: 'https://api.example/graphql',
  userPoolId: 'pool',
  userPoolClientId: 'client',
  identityPoolId: 'identities',
  authFlow: 'USER_SRP_AUTH',
};

test('in AWS (no custom endpoints) Amplify gets the pools and the API only', () => {
  assert.deepEqual(amplifyConfig({ ...base, endpoints: {} }), {
    Auth: { Cognito: { userPoolId: 'pool', userPoolClientId: 'client', identityPoolId: 'identities' } },
    API: { GraphQL: { endpoint: 'https://api.example/graphql', region: 'eu-west-3', defaultAuthMode: 'userPool' } },
  });
});

test('the local stack\'s Cognito endpoints are passed to Amplify', () => {
  const config = amplifyConfig({ ...base, endpoints: { cognitoIdp: 'http://127.0.0.1:5000', cognitoIdentity: 'http://127.0.0.1:5001' } });
  assert.equal(config.Auth.Cognito.userPoolEndpoint, 'http://127.0.0.1:5000');
  assert.equal(config.Auth.Cognito.identityPoolEndpoint, 'http://127.0.0.1:5001');
});
