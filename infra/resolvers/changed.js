// Resolver code (APPSYNC_JS) of one `onTChanged` subscription, on a NONE data source.
//
// Every `onTChanged` subscribes to the same `publish` mutation; this enhanced subscription
// filter keeps only the changes of this field's entity. infra/api.py writes the entity's name
// in place of __ENTITY__ (one copy of this code per subscription field).
import { util, extensions } from '@aws-appsync/utils';

const ENTITY = '__ENTITY__';

export function request(ctx) {
  return { payload: null };
}

export function response(ctx) {
  extensions.setSubscriptionFilter(util.transform.toSubscriptionFilter({ entity: { eq: ENTITY } }));
  return null;
}
