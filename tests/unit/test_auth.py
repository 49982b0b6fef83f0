"""The auth tier: a created or adopted user pool, its SRP-only app client and groups, and an
identity pool whose only role is for signed-in users."""
from __future__ import annotations

import json
from functools import lru_cache

from conftest import ACCOUNT, evaluate, resolve

from newsroom.auth import GROUPS
from infra.auth import AuthTier, AuthTierArgs

ADOPTED = "eu-west-3_AdoptedPool1"


STATION_CLIENT = "5stationclient00000000000b"


@lru_cache(maxsize=None)
def auth_tier(adopted: str | None = None, production: bool = False, password: bool = False, callbacks: tuple = (),
              accepted: tuple = (), existing: tuple = ()):
    tier = {}
    args = AuthTierArgs(adopted_user_pool_id=adopted, production=production, allow_password_sign_in=password,
                        callback_urls=list(callbacks), name_prefix="se-test", accepted_client_ids=list(accepted),
                        existing_groups=list(existing))
    run = evaluate(lambda: tier.setdefault("auth", AuthTier("auth", args)))
    return run, tier["auth"]


def only(run, type_token):
    found = run.of_type(type_token)
    assert len(found) == 1, f"{len(found)} {type_token}"
    return found[0]


def test_a_new_environment_creates_its_pool_for_admin_created_accounts():
    run, tier = auth_tier()
    pool = only(run, "aws:cognito/userPool:UserPool")
    assert pool.read is False
    assert pool.inputs["adminCreateUserConfig"]["allowAdminCreateUserOnly"] is True
    assert resolve(tier.user_pool_id) == pool.id
    assert resolve(tier.user_pool_arn) == pool.outputs["arn"]


def test_production_pool_is_protected_twice():
    run, _ = auth_tier(production=True)
    pool = only(run, "aws:cognito/userPool:UserPool")
    assert pool.protect is True and pool.inputs["deletionProtection"] == "ACTIVE"
    dev_pool = only(auth_tier()[0], "aws:cognito/userPool:UserPool")
    assert dev_pool.protect is False and dev_pool.inputs["deletionProtection"] == "INACTIVE"


def test_adopting_a_pool_creates_none_and_builds_client_and_groups_in_it():
    run, tier = auth_tier(adopted=ADOPTED)
    assert run.of_type("aws:cognito/userPool:UserPool") == []
    assert resolve(tier.user_pool_id) == ADOPTED
    assert resolve(tier.user_pool_arn) == f"arn:aws:cognito-idp:eu-west-3:{ACCOUNT}:userpool/{ADOPTED}"
    assert only(run, "aws:cognito/userPoolClient:UserPoolClient").inputs["userPoolId"] == ADOPTED
    groups = run.of_type("aws:cognito/userGroup:UserGroup")
    assert {g.inputs["userPoolId"] for g in groups} == {ADOPTED}
    provider = only(run, "aws:cognito/identityPool:IdentityPool").inputs["cognitoIdentityProviders"][0]
    assert provider["providerName"] == f"cognito-idp.eu-west-3.amazonaws.com/{ADOPTED}"


def test_app_client_is_public_and_signs_in_with_srp_only():
    client = only(auth_tier()[0], "aws:cognito/userPoolClient:UserPoolClient").inputs
    assert client["generateSecret"] is False
    assert sorted(client["explicitAuthFlows"]) == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"]
    assert client["preventUserExistenceErrors"] == "ENABLED"
    assert client["allowedOauthFlowsUserPoolClient"] is False


def test_password_sign_in_only_when_asked_for():
    client = only(auth_tier(password=True)[0], "aws:cognito/userPoolClient:UserPoolClient").inputs
    assert "ALLOW_USER_PASSWORD_AUTH" in client["explicitAuthFlows"]


def test_hosted_sign_in_returns_only_to_the_newsroom_site():
    client = only(auth_tier(callbacks=("https://saint-esprit.link/",))[0],
                  "aws:cognito/userPoolClient:UserPoolClient").inputs
    assert client["callbackUrls"] == ["https://saint-esprit.link/"]
    assert client["allowedOauthFlows"] == ["code"]
    assert sorted(client["allowedOauthScopes"]) == ["email", "openid", "profile"]


def test_newsroom_groups_exist_with_admins_first():
    groups = {g.inputs["name"]: g.inputs for g in auth_tier()[0].of_type("aws:cognito/userGroup:UserGroup")}
    assert set(groups) == set(GROUPS) == {"admins", "journalists", "volunteers"}
    assert min(groups, key=lambda g: groups[g]["precedence"]) == "admins"


def test_identity_pool_refuses_anonymous_identities_and_checks_tokens():
    run, tier = auth_tier()
    pool = only(run, "aws:cognito/identityPool:IdentityPool")
    assert pool.inputs["allowUnauthenticatedIdentities"] is False
    [provider] = pool.inputs["cognitoIdentityProviders"]
    assert provider["clientId"] == only(run, "aws:cognito/userPoolClient:UserPoolClient").id
    assert provider["serverSideTokenCheck"] is True
    attachment = only(run, "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment")
    assert attachment.inputs["identityPoolId"] == pool.id
    assert resolve(tier.accepted_client_ids) == [provider["clientId"]]


def test_only_newsroom_groups_get_media_credentials():
    """A pool account in no group used to get the media role: now no rule matches, and an
    unmatched token is denied (no fallback to the default authenticated role)."""
    run, tier = auth_tier()
    role_arn = resolve(tier.authenticated_role.arn)
    attachment = only(run, "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment").inputs
    [mapping] = attachment["roleMappings"]
    client = only(run, "aws:cognito/userPoolClient:UserPoolClient").id
    pool = resolve(tier.user_pool_id)
    assert mapping["identityProvider"] == f"cognito-idp.eu-west-3.amazonaws.com/{pool}:{client}"
    assert mapping["type"] == "Rules" and mapping["ambiguousRoleResolution"] == "Deny"
    assert [(r["claim"], r["matchType"], r["value"], r["roleArn"]) for r in mapping["mappingRules"]] == [
        ("cognito:groups", "Contains", group, role_arn) for group in GROUPS]
    # Volunteers upload audio for the items they own (docs/contracts.md, Media): same role.
    assert {group: resolve(role.arn) for group, role in tier.group_roles.items()} == dict.fromkeys(GROUPS, role_arn)


def test_the_station_apps_client_is_accepted_like_the_stacks_own():
    run, tier = auth_tier(adopted=ADOPTED, accepted=(STATION_CLIENT,))
    own = only(run, "aws:cognito/userPoolClient:UserPoolClient").id
    assert resolve(tier.accepted_client_ids) == [own, STATION_CLIENT]
    providers = only(run, "aws:cognito/identityPool:IdentityPool").inputs["cognitoIdentityProviders"]
    assert [(p["clientId"], p["serverSideTokenCheck"]) for p in providers] == [(own, True), (STATION_CLIENT, True)]
    assert {p["providerName"] for p in providers} == {f"cognito-idp.eu-west-3.amazonaws.com/{ADOPTED}"}
    mappings = only(run, "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment").inputs["roleMappings"]
    assert [m["identityProvider"].rsplit(":", 1)[1] for m in mappings] == [own, STATION_CLIENT]
    assert all(m["ambiguousRoleResolution"] == "Deny" for m in mappings)


def test_nothing_the_stack_puts_in_an_adopted_pool_is_ever_deleted():
    run, _ = auth_tier(adopted=ADOPTED, existing=("journalists",))
    inside = run.of_type("aws:cognito/userPoolClient:UserPoolClient") + run.of_type("aws:cognito/userGroup:UserGroup")
    assert len(inside) == 1 + len(GROUPS)
    assert all(r.protect and r.retain_on_delete for r in inside)
    # In a pool the stack created, its own things come and go with it.
    created = auth_tier()[0]
    inside = created.of_type("aws:cognito/userPoolClient:UserPoolClient") + created.of_type("aws:cognito/userGroup:UserGroup")
    assert not any(r.protect or r.retain_on_delete for r in inside)


def test_an_existing_group_is_imported_as_it_is():
    run, _ = auth_tier(adopted=ADOPTED, existing=("journalists",))
    groups = {g.inputs["name"]: g for g in run.of_type("aws:cognito/userGroup:UserGroup")}
    journalists = groups["journalists"]
    assert journalists.import_id == f"{ADOPTED}/journalists"
    # Its description and precedence stay the pool's (an import must match the group as it is).
    assert "description" not in journalists.inputs and "precedence" not in journalists.inputs
    assert set(journalists.ignore_changes) >= {"description", "precedence"}
    assert groups["admins"].import_id == "" and groups["admins"].inputs["precedence"] == 0


def test_signed_in_role_is_assumable_only_through_this_identity_pool_and_holds_no_permissions():
    run, tier = auth_tier()
    identity_pool = only(run, "aws:cognito/identityPool:IdentityPool")
    role = only(run, "aws:iam/role:Role")
    [trust] = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert trust["Principal"] == {"Federated": "cognito-identity.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"cognito-identity.amazonaws.com:aud": identity_pool.id}
    assert trust["Condition"]["ForAnyValue:StringLike"] == {"cognito-identity.amazonaws.com:amr": "authenticated"}
    # The cdn tier grants the media bucket; nothing here may grant anything.
    assert not [r for r in run.resources if r.type.startswith("aws:iam/") and "Polic" in r.type]
    assert "inlinePolicies" not in role.inputs and "managedPolicyArns" not in role.inputs
