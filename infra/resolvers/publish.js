// Resolver code (APPSYNC_JS) of the IAM-only `publish` mutation, on a NONE data source.
//
// Nothing is stored: the change was already written to DynamoDB (the publisher Lambda read it
// from the table's stream). Returning it is what makes AppSync push it to the `onTChanged`
// subscribers, each of which filters on `entity` (see subscribe.js).
export function request(ctx) {
  return { payload: ctx.arguments.change };
}

export function response(ctx) {
  return ctx.result;
}
