// Who is signed in, and through which session. With the station app's Hosted-UI tokens in
// localStorage the storage adopts them (session.js); without them it signs in on its own
// (username and password, Amplify's auth). Either way the user is read from the ID token's
// claims. docs/contracts.md, "The station's app: storage surface and session".
import { Amplify } from 'aws-amplify';
import { fetchAuthSession, signIn, signOut } from 'aws-amplify/auth';

import { amplifyConfig } from '../config.js';
import { AppSession, mediaCredentialsProvider } from '../session.js';

/** Configure Amplify from config.json; resolves the adopted app session, or null when the
 * storage signs in on its own. */
export function configureAmplify(config) {
  const appSession = AppSession.adopt(config);
  if (appSession) {
    Amplify.configure(amplifyConfig(config), {
      Auth: { tokenProvider: appSession.tokenProvider, credentialsProvider: mediaCredentialsProvider },
    });
  } else {
    Amplify.configure(amplifyConfig(config));
  }
  return appSession;
}

/** The storage's own sign-in; throws when Cognito asks for another step. */
export async function signInWithPassword(config, username, password) {
  const { isSignedIn, nextStep } = await signIn({
    username,
    password,
    options: { authFlowType: config.authFlow || 'USER_SRP_AUTH' },
  });
  if (!isSignedIn) throw new Error(`sign-in needs another step: ${nextStep?.signInStep}`);
}

/** The signed-in user, {userId, username, email, groups}, from the ID token. The adopted
 * session's tokens are at hand without asking the identity pool. */
export async function signedInUser(appSession) {
  const tokens = appSession ? await appSession.getTokens() : (await fetchAuthSession()).tokens;
  const claims = tokens.idToken.payload;
  return {
    userId: claims.sub,
    username: claims['cognito:username'] ?? claims.username,
    email: claims.email,
    groups: claims['cognito:groups'] ?? [],
  };
}

/** Sign out of the storage's own session. An adopted session is the app's to end
 * (cognitoLogout): the storage only stops refreshing it. */
export async function endSession(appSession) {
  if (appSession) appSession.stop();
  else await signOut();
}
