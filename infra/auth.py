"""The auth tier: who may sign in (user pool, groups, app client) and which temporary AWS
credentials a signed-in browser gets (identity pool, authenticated role).

Production adopts the pool the newsroom already signs in with, so current accounts keep
working; a new environment creates its own pool. Either way this tier owns the app client and
the groups inside the pool. Inside an adopted pool nothing is ever deleted by Pulumi (protected,
and retained if it leaves the program): a deleted group takes every membership with it.

Only the newsroom gets AWS credentials: the identity pool maps roles by `cognito:groups`, and a
token in no newsroom group gets none (docs/contracts.md, Media).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from newsroom.auth import ADMINS, GROUPS, JOURNALISTS, VOLUNTEERS

GROUP_DESCRIPTIONS = {
    ADMINS: "Read and write everything; restore and purge deleted items; clear edit locks",
    JOURNALISTS: "Read and write every news, animation, journal, block and conductor",
    VOLUNTEERS: "Read everything; write only their own items",
}
# Lower precedence wins when a user is in several groups (their token's role claim).
GROUP_PRECEDENCE = {ADMINS: 0, JOURNALISTS: 10, VOLUNTEERS: 20}
IDENTITY_PROVIDER = "cognito-identity.amazonaws.com"
GROUPS_CLAIM = "cognito:groups"
HOSTED_UI_SCOPES = ["email", "openid", "profile"]
SIGNED_OUT_PAGE = "/logout.html"  # where the hosted UI sends a signed-out user (the station's app's page)
# What an imported group keeps from the pool it lives in (the import must match it as it is).
IMPORTED_GROUP_KEEPS = ["description", "precedence", "roleArn"]


def hosted_ui_config(domain: str, domain_names: Sequence[str], site_url: str, client_ids: list[str]) -> dict:
    """config.json's "hostedUi" (docs/contracts.md): where the browser signs in and refreshes
    the tokens of any accepted client, and the pages the hosted UI may send it back to."""
    sites = list(dict.fromkeys([site_url, *(f"https://{name}" for name in domain_names)]))
    return {
        "domain": domain,
        "scopes": HOSTED_UI_SCOPES,
        "redirectSignIn": [f"{site}/" for site in sites],
        "redirectSignOut": [f"{site}{SIGNED_OUT_PAGE}" for site in sites],
        "clientIds": list(client_ids),
    }


@dataclass
class AuthTierArgs:
    # The id of an existing user pool to adopt (its users keep their accounts); None creates one.
    adopted_user_pool_id: str | None = None
    # Where the hosted sign-in page may send users back (https://<domain>/); empty: no hosted UI.
    callback_urls: list[str] = field(default_factory=list)
    name_prefix: str = "saint-esprit"
    production: bool = False
    # Where the hosted UI may send users after signing out; empty: the callback URLs.
    logout_urls: list[str] = field(default_factory=list)
    # The app signs in with SRP (the password never leaves the browser). Plain password sign-in
    # is only for scripted checks against non-production stacks.
    allow_password_sign_in: bool = False
    # Other app clients of the adopted pool whose users get media credentials too (the station's
    # app signs in through its own client).
    accepted_client_ids: list[str] = field(default_factory=list)
    # Newsroom groups already in the adopted pool: imported (`pool id/name`), never created.
    existing_groups: list[str] = field(default_factory=list)


class AuthTier(pulumi.ComponentResource):
    user_pool_id: pulumi.Output[str]
    user_pool_arn: pulumi.Output[str]
    user_pool_client_id: pulumi.Output[str]
    # Every app client whose tokens the stack accepts: its own first, then the adopted ones.
    accepted_client_ids: pulumi.Output[list[str]]
    identity_pool_id: pulumi.Output[str]
    # The media role of the newsroom groups (docs/contracts.md, Media); the cdn tier attaches
    # its permissions. A token in no group is given no role at all.
    authenticated_role: aws.iam.Role
    # Group -> the role its members get (today every group gets `authenticated_role`).
    group_roles: dict[str, aws.iam.Role]

    def __init__(self, name: str, args: AuthTierArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("saint-esprit:auth:AuthTier", name, None, opts)
        self._name = name
        self._args = args
        self.user_pool_id, self.user_pool_arn = self._user_pool()
        client = self._app_client()
        self.user_pool_client_id = client.id
        self.accepted_client_ids = pulumi.Output.all(client.id, *args.accepted_client_ids)
        self._groups()
        identity_pool = self._identity_pool()
        self.identity_pool_id = identity_pool.id
        self.authenticated_role = self._authenticated_role(identity_pool)
        self.group_roles = {group: self.authenticated_role for group in GROUPS}
        self._role_mappings(identity_pool)
        self.register_outputs({
            "user_pool_id": self.user_pool_id,
            "user_pool_client_id": self.user_pool_client_id,
            "accepted_client_ids": self.accepted_client_ids,
            "identity_pool_id": self.identity_pool_id,
            "authenticated_role_arn": self.authenticated_role.arn,
        })

    def _child(self, **overrides) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, **overrides)

    def _in_pool(self, **overrides) -> pulumi.ResourceOptions:
        """Options of a resource inside the user pool. In an adopted pool (the newsroom's
        accounts) it is protected and, if it ever leaves the program, left in AWS."""
        adopted = bool(self._args.adopted_user_pool_id)
        return self._child(protect=adopted, retain_on_delete=adopted, **overrides)

    def _provider_name(self) -> pulumi.Output[str]:
        # The pool's region is the first part of its id ("eu-west-3_abc"), adopted or created.
        return pulumi.Output.from_input(self.user_pool_id).apply(
            lambda pool: f"cognito-idp.{pool.split('_')[0]}.amazonaws.com/{pool}")

    def _user_pool(self) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
        adopted = self._args.adopted_user_pool_id
        if adopted:
            # Read, never managed: `pulumi destroy` of this stack cannot touch the users.
            found = aws.cognito.get_user_pool_output(user_pool_id=adopted, opts=pulumi.InvokeOptions(parent=self))
            return pulumi.Output.from_input(adopted), found.arn
        production = self._args.production
        pool = aws.cognito.UserPool(
            f"{self._name}-users",
            name=f"{self._args.name_prefix}-users",
            # Newsroom accounts are created by admins, never by self sign-up.
            admin_create_user_config=aws.cognito.UserPoolAdminCreateUserConfigArgs(
                allow_admin_create_user_only=True
            ),
            alias_attributes=["email", "preferred_username"],
            auto_verified_attributes=["email"],
            username_configuration=aws.cognito.UserPoolUsernameConfigurationArgs(case_sensitive=False),
            password_policy=aws.cognito.UserPoolPasswordPolicyArgs(
                minimum_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_numbers=True,
                require_symbols=False,
                temporary_password_validity_days=7,
            ),
            mfa_configuration="OPTIONAL",
            software_token_mfa_configuration=aws.cognito.UserPoolSoftwareTokenMfaConfigurationArgs(enabled=True),
            account_recovery_setting=aws.cognito.UserPoolAccountRecoverySettingArgs(
                recovery_mechanisms=[
                    aws.cognito.UserPoolAccountRecoverySettingRecoveryMechanismArgs(name="verified_email", priority=1)
                ]
            ),
            deletion_protection="ACTIVE" if production else "INACTIVE",
            opts=self._child(protect=production),
        )
        return pool.id, pool.arn

    def _app_client(self) -> aws.cognito.UserPoolClient:
        flows = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
        if self._args.allow_password_sign_in:
            flows.append("ALLOW_USER_PASSWORD_AUTH")
        hosted_ui = bool(self._args.callback_urls)
        return aws.cognito.UserPoolClient(
            f"{self._name}-web",
            name=f"{self._args.name_prefix}-web",
            user_pool_id=self.user_pool_id,
            # A browser cannot keep a secret.
            generate_secret=False,
            explicit_auth_flows=flows,
            prevent_user_existence_errors="ENABLED",
            enable_token_revocation=True,
            access_token_validity=1,
            id_token_validity=1,
            refresh_token_validity=30,
            token_validity_units=aws.cognito.UserPoolClientTokenValidityUnitsArgs(
                access_token="hours", id_token="hours", refresh_token="days"
            ),
            callback_urls=self._args.callback_urls or None,
            logout_urls=self._args.logout_urls or self._args.callback_urls or None,
            allowed_oauth_flows=["code"] if hosted_ui else None,
            allowed_oauth_scopes=HOSTED_UI_SCOPES if hosted_ui else None,
            allowed_oauth_flows_user_pool_client=hosted_ui,
            supported_identity_providers=["COGNITO"],
            opts=self._in_pool(),
        )

    def _groups(self) -> None:
        for group in GROUPS:
            if group in self._args.existing_groups:
                # Created by hand before this stack: adopted as it is (CreateGroup would fail).
                aws.cognito.UserGroup(
                    f"{self._name}-{group}",
                    name=group,
                    user_pool_id=self.user_pool_id,
                    opts=self._in_pool(import_=f"{self._args.adopted_user_pool_id}/{group}",
                                       ignore_changes=IMPORTED_GROUP_KEEPS),
                )
                continue
            aws.cognito.UserGroup(
                f"{self._name}-{group}",
                name=group,
                user_pool_id=self.user_pool_id,
                description=GROUP_DESCRIPTIONS[group],
                precedence=GROUP_PRECEDENCE[group],
                opts=self._in_pool(),
            )

    def _identity_pool(self) -> aws.cognito.IdentityPool:
        """One provider per accepted app client of the pool: a token of any other client of
        the same pool gets no identity."""
        return aws.cognito.IdentityPool(
            f"{self._name}-identities",
            identity_pool_name=f"{self._args.name_prefix.replace('-', '_')}_identities",
            allow_unauthenticated_identities=False,
            allow_classic_flow=False,
            cognito_identity_providers=[
                aws.cognito.IdentityPoolCognitoIdentityProviderArgs(
                    client_id=client_id,
                    provider_name=self._provider_name(),
                    # Tokens revoked in the user pool stop yielding AWS credentials.
                    server_side_token_check=True,
                )
                for client_id in [self.user_pool_client_id, *self._args.accepted_client_ids]
            ],
            opts=self._child(),
        )

    def _authenticated_role(self, identity_pool: aws.cognito.IdentityPool) -> aws.iam.Role:
        """Assumable only through this identity pool, by signed-in users. It holds no
        permissions here: the cdn tier, which owns the media bucket, attaches them."""
        trust = aws.iam.get_policy_document_output(
            statements=[
                aws.iam.GetPolicyDocumentStatementArgs(
                    actions=["sts:AssumeRoleWithWebIdentity"],
                    principals=[aws.iam.GetPolicyDocumentStatementPrincipalArgs(
                        type="Federated", identifiers=[IDENTITY_PROVIDER]
                    )],
                    conditions=[
                        aws.iam.GetPolicyDocumentStatementConditionArgs(
                            test="StringEquals", variable=f"{IDENTITY_PROVIDER}:aud", values=[identity_pool.id]
                        ),
                        aws.iam.GetPolicyDocumentStatementConditionArgs(
                            test="ForAnyValue:StringLike", variable=f"{IDENTITY_PROVIDER}:amr", values=["authenticated"]
                        ),
                    ],
                )
            ],
            opts=pulumi.InvokeOptions(parent=self),
        )
        return aws.iam.Role(
            f"{self._name}-signed-in",
            assume_role_policy=trust.json,
            description="Temporary credentials of signed-in newsroom users (media bucket only)",
            opts=self._child(),
        )

    def _role_mappings(self, identity_pool: aws.cognito.IdentityPool) -> None:
        """Each accepted client's tokens get the role of their first newsroom group (admins,
        journalists, volunteers: GROUPS order); in no newsroom group, no credentials (Deny)."""
        rules = [
            aws.cognito.IdentityPoolRoleAttachmentRoleMappingMappingRuleArgs(
                claim=GROUPS_CLAIM, match_type="Contains", value=group, role_arn=role.arn
            )
            for group, role in self.group_roles.items()
        ]
        aws.cognito.IdentityPoolRoleAttachment(
            f"{self._name}-roles",
            identity_pool_id=identity_pool.id,
            # Only for a provider without a mapping below, and there is none.
            roles={"authenticated": self.authenticated_role.arn},
            role_mappings=[
                aws.cognito.IdentityPoolRoleAttachmentRoleMappingArgs(
                    identity_provider=pulumi.Output.concat(self._provider_name(), ":", client_id),
                    type="Rules",
                    mapping_rules=rules,
                    ambiguous_role_resolution="Deny",
                )
                for client_id in [self.user_pool_client_id, *self._args.accepted_client_ids]
            ],
            opts=self._child(),
        )
