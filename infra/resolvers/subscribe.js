// Resolver code (APPSYNC_JS) of every subscription field, on a NONE data source.
//
// infra/api.py writes, per field, the entity it is filtered on in place of __ENTITY__ (null for
// `onPresenceChanged`: edit announcements are few and every open editor shows them) and the
// newsroom's groups (newsroom/auth.py) in place of __NEWSROOM_GROUPS__.
//
// Only the newsroom's groups may subscribe. The schema's `@aws_cognito_user_pools(cognito_groups:
// ...)` on each field already says so; the request refuses anyone else as well, so a field
// deployed without that directive still tells nothing to an account in no group.
//
// Every `onTChanged` subscribes to the same `publish` mutation; the enhanced subscription filter
// set in the response keeps only the changes of the field's entity.
import { util, extensions } from '@aws-appsync/utils';

const ENTITY = __ENTITY__;
const NEWSROOM_GROUPS = __NEWSROOM_GROUPS__;

export function request(ctx) {
  const groups = (ctx.identity && ctx.identity.groups) || [];
  if (!groups.some((group) => NEWSROOM_GROUPS.includes(group))) {
    util.unauthorized();
  }
  return { payload: null };
}

export function response(ctx) {
  if (ENTITY) {
    extensions.setSubscriptionFilter(util.transform.toSubscriptionFilter({ entity: { eq: ENTITY } }));
  }
  return null;
}
