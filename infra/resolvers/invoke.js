// Resolver code (APPSYNC_JS) for every field served by the resolver Lambda.
//
// The request hands the Lambda the same event a direct Lambda resolver would get. The Lambda
// answers with an envelope, {data} or {error: {errorType, message, errorInfo}}, because a direct
// Lambda resolver cannot attach `errorInfo` to a GraphQL error, and the client needs it: a
// ConflictError carries the current server item there. The local stack applies the same
// translation (devstack), and a test runs this file under node to prove both agree.
import { util } from '@aws-appsync/utils';

export function request(ctx) {
  return {
    operation: 'Invoke',
    payload: {
      arguments: ctx.arguments,
      identity: ctx.identity,
      source: ctx.source,
      info: ctx.info,
      request: ctx.request,
    },
  };
}

export function response(ctx) {
  if (ctx.error) {
    util.error(ctx.error.message, ctx.error.type);
  }
  const { data, error } = ctx.result;
  if (error) {
    util.error(error.message, error.errorType, null, error.errorInfo);
  }
  return data;
}
