"""Stack settings: the committed stack files load, defaults apply, and every bad value stops
the program with a message naming the key and what it accepts."""
from __future__ import annotations

from pathlib import Path

import pulumi
import pytest
from conftest import CERTIFICATE_ARN, CUT_OVER, ROOT, config_for_pulumi, stack_config

from infra.settings import LOG_RETENTION_DAYS, Settings, SettingsError


def load(config: dict) -> Settings:
    pulumi.runtime.set_all_config(config_for_pulumi(config))
    return Settings.load()


def dev(**overrides) -> dict:
    config = {"saint-esprit:environment": "dev"}
    config.update({f"saint-esprit:{key}": value for key, value in overrides.items()})
    return config


# A pool id built at run time: no literal id in source (tests/unit/test_no_secrets.py).
POOL = "eu-west-3_" + "Ab3dE6gH9"


def adopted(**overrides) -> dict:
    return dev(adoptedUserPoolId=POOL, **overrides)


def test_minimal_dev_stack_gets_secure_defaults():
    settings = load(dev())
    assert settings.environment == "dev" and settings.production is False
    assert settings.region == "eu-west-3"
    assert settings.name_prefix == "saint-esprit-dev"
    assert settings.domain_names == () and settings.certificate_arn is None
    assert settings.adopted_user_pool_id is None
    assert settings.tombstone_retention_days == 30
    assert settings.log_retention_days in LOG_RETENTION_DAYS
    assert settings.site_dir == ROOT / "frontend" / "dist"
    assert settings.invalidation_paths == {}


def test_prod_stack_file_loads_as_committed_and_adopts_the_current_pool_and_the_station_app():
    config = stack_config("prod")
    settings = load(config)
    assert settings.production is True
    assert settings.adopted_user_pool_id == config["saint-esprit:adoptedUserPoolId"]
    assert settings.region == "eu-west-3"
    # The names belong to the old distribution until the cut-over: no names, no certificate.
    assert settings.domain_names == () and settings.certificate_arn is None
    assert settings.accepted_client_ids == tuple(config["saint-esprit:acceptedClientIds"])
    assert settings.hosted_ui_domain.endswith(".auth.eu-west-3.amazoncognito.com")


def test_the_cut_over_gives_prod_its_names_with_their_certificate():
    settings = load(stack_config("prod") | {f"saint-esprit:{k}": v for k, v in CUT_OVER.items()})
    assert settings.domain_names == ("saint-esprit.link", "www.saint-esprit.link")
    assert settings.certificate_arn == CERTIFICATE_ARN


def test_adopted_pool_settings():
    settings = load(adopted(acceptedClientIds=["5jst6bnhl26ekdr5a7pu9ik2f5"],
                        existingGroups=["journalists", "volunteers"],
                        hostedUiDomain="auth.saint-esprit.link"))
    assert settings.accepted_client_ids == ("5jst6bnhl26ekdr5a7pu9ik2f5",)
    assert settings.existing_groups == ("journalists", "volunteers")
    assert settings.hosted_ui_domain == "auth.saint-esprit.link"
    assert load(dev()).accepted_client_ids == () and load(dev()).existing_groups == ()
    assert load(dev()).hosted_ui_domain is None


def test_dev_stack_file_creates_its_own_pool():
    settings = load(stack_config("dev"))
    assert settings.production is False and settings.adopted_user_pool_id is None


def test_every_value_is_typed():
    settings = load(dev(tombstoneRetentionDays="7", logRetentionDays="14", alarmEmail="tech@saint-esprit.link",
                        siteDir="/tmp/site", invalidationPaths={"journals": ["/journal/*"]},
                        namePrefix="se-staging"))
    assert settings.tombstone_retention_days == 7 and settings.log_retention_days == 14
    assert settings.alarm_email == "tech@saint-esprit.link"
    assert settings.site_dir == Path("/tmp/site")
    assert settings.invalidation_paths == {"journals": ["/journal/*"]}
    assert settings.name_prefix == "se-staging"


@pytest.mark.parametrize(
    "config, key, allowed",
    [
        ({}, "saint-esprit:environment", "dev | prod"),
        (dev() | {"saint-esprit:environment": "staging"}, "saint-esprit:environment", "dev | prod"),
        (dev() | {"aws:region": "paris"}, "aws:region", "AWS region"),
        (dev(namePrefix="Saint_Esprit"), "saint-esprit:namePrefix", "lower-case"),
        (dev(tombstoneRetentionDays="0"), "saint-esprit:tombstoneRetentionDays", "from 1 to 365"),
        (dev(tombstoneRetentionDays="366"), "saint-esprit:tombstoneRetentionDays", "from 1 to 365"),
        (dev(tombstoneRetentionDays="a month"), "saint-esprit:tombstoneRetentionDays", "from 1 to 365"),
        (dev(logRetentionDays="10"), "saint-esprit:logRetentionDays", "7, 14, 30"),
        (dev(domainNames=["Saint Esprit"]), "saint-esprit:domainNames", "list of DNS names"),
        (dev(domainNames="saint-esprit.link"), "saint-esprit:domainNames", "list of DNS names"),
        (dev(domainNames=["saint-esprit.link"]), "saint-esprit:certificateArn", "us-east-1"),
        (dev(domainNames=["saint-esprit.link"], certificateArn=CERTIFICATE_ARN.replace("us-east-1", "eu-west-3")),
         "saint-esprit:certificateArn", "us-east-1"),
        (dev(certificateArn=CERTIFICATE_ARN), "saint-esprit:certificateArn", "without domainNames"),
        (dev(adoptedUserPoolId="oD1fm8OLs"), "saint-esprit:adoptedUserPoolId", "existing Cognito user pool"),
        (dev(adoptedUserPoolId="eu-west-1_" + "Ab3dE6gH9"), "saint-esprit:adoptedUserPoolId", "in eu-west-3"),
        (dev(alarmEmail="tech at radio"), "saint-esprit:alarmEmail", "e-mail address"),
        (dev(invalidationPaths={"podcasts": ["/p"]}), "saint-esprit:invalidationPaths", "news, animations"),
        (dev(invalidationPaths={"news": ["news/*"]}), "saint-esprit:invalidationPaths", 'starting with "/"'),
        (dev(invalidationPaths="{not json"), "saint-esprit:invalidationPaths", "entity"),
        (dev(namePrefix="a" * 29), "saint-esprit:namePrefix", "2 to 28"),
        (adopted(acceptedClientIds="5jst6bnhl26ekdr5a7pu9ik2f5"), "saint-esprit:acceptedClientIds", "list of app client ids"),
        (adopted(acceptedClientIds=["5jst6bnhl26ekdr5a7pu9ik2f5|.*"]), "saint-esprit:acceptedClientIds", "letters, digits"),
        (adopted(acceptedClientIds=["a", "a"]), "saint-esprit:acceptedClientIds", "list of app client ids"),
        (adopted(acceptedClientIds=[""]), "saint-esprit:acceptedClientIds", "list of app client ids"),
        (dev(acceptedClientIds=["5jst6bnhl26ekdr5a7pu9ik2f5"]), "saint-esprit:acceptedClientIds", "adopted pool"),
        (dev(hostedUiDomain="https://x.auth.eu-west-3.amazoncognito.com"), "saint-esprit:hostedUiDomain", "without https://"),
        (dev(hostedUiDomain="x.auth.eu-west-1.amazoncognito.com"), "saint-esprit:hostedUiDomain", "amazoncognito.com"),
        (adopted(existingGroups=["editors"]), "saint-esprit:existingGroups", "admins, journalists, volunteers"),
        (adopted(existingGroups="journalists"), "saint-esprit:existingGroups", "admins, journalists, volunteers"),
        (dev(existingGroups=["journalists"]), "saint-esprit:existingGroups", "only from an adopted pool"),
    ],
)
def test_a_bad_setting_names_its_key_and_what_it_accepts(config, key, allowed):
    with pytest.raises(SettingsError) as error:
        load(config)
    assert error.value.key == key
    message = str(error.value)
    assert key in message and allowed in message
    assert f"pulumi config set {key}" in message
