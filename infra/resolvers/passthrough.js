// Resolver code (APPSYNC_JS) of a subscription every subscriber receives unfiltered
// (`onPresenceChanged`: edit announcements are few and every open editor shows them).
export function request(ctx) {
  return { payload: null };
}

export function response(ctx) {
  return null;
}
