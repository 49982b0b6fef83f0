"""The infrastructure program evaluated in-process under Pulumi's mocks: what the unit tests
(tests/unit) and the program's benchmark (bench/program.py) run instead of a deployment.

`RecordingMocks` answers resource registrations with the outputs AWS would return (ARNs, ids,
stream ARNs, AppSync URIs, CloudFront domain names, ...) and the provider functions the program
calls; `RecordingMonitor` records every registered resource with the options the plain mocks
API does not show (parent, protect, dependencies). `evaluate_program(stack, config)` runs
`__main__.py` for one stack and returns what it created and exported; `evaluate(program)` does
the same for any callable declaring resources (one tier, an empty program).

Only Pulumi's public testing API drives the runs (`pulumi.runtime.reset_options`, `set_mocks`,
`test`, `get_root_resource`, `Mocks`, `MockMonitor.get_registered_resources`); what the monitor
reads from the engine's requests (parent, protect, dependencies ...) is pinned with the SDK's
version in requirements.txt and checked by tests/unit/test_harness.py, so an upgrade that
changes it fails there first.

The account is 000000000000, which AWS never issues: nothing here can name a real one.
"""
from __future__ import annotations

import hashlib
import json
import logging
import runpy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pulumi
import yaml
from pulumi.runtime import mocks as pulumi_mocks

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = ROOT / "__main__.py"
PROJECT = "saint-esprit"
ACCOUNT = "000000000000"
REGION = "eu-west-3"
CERTIFICATE_ARN = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/0b5e8a8e-1111-4a4a-9c9c-123456789abc"


def _digest(text: str, length: int, alphabet: str = "0123456789abcdef") -> str:
    """A stable pseudo-random string derived from a name (ids look real and never change)."""
    number = int(hashlib.sha256(text.encode()).hexdigest(), 16)
    chars = []
    for _ in range(length):
        number, rest = divmod(number, len(alphabet))
        chars.append(alphabet[rest])
    return "".join(chars)


UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
LOWER = "abcdefghijklmnopqrstuvwxyz0123456789"


# --- what AWS returns, per resource type --------------------------------------------------------
# Each function gets (logical name, physical name, inputs, region) and returns (id, computed outputs).

def _table(name, physical, inputs, region):
    arn = f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/{physical}"
    stream = inputs.get("streamEnabled")
    return physical, {
        "arn": arn,
        "streamArn": f"{arn}/stream/2026-11-24T18:00:00.000" if stream else None,
        "streamLabel": "2026-11-24T18:00:00.000" if stream else None,
    }


def _function(name, physical, inputs, region):
    arn = f"arn:aws:lambda:{region}:{ACCOUNT}:function:{physical}"
    return physical, {
        "arn": arn,
        "qualifiedArn": f"{arn}:$LATEST",
        "invokeArn": f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations",
        "version": "$LATEST",
        "sourceCodeHash": _digest(physical, 44, UPPER + LOWER),
    }


def _role(name, physical, inputs, region):
    return physical, {"arn": f"arn:aws:iam::{ACCOUNT}:role/{physical}", "uniqueId": "AROA" + _digest(physical, 17, UPPER)}


def _policy(name, physical, inputs, region):
    arn = f"arn:aws:iam::{ACCOUNT}:policy/{physical}"
    return arn, {"arn": arn, "policyId": "ANPA" + _digest(physical, 17, UPPER)}


def _graphql_api(name, physical, inputs, region):
    api_id = _digest(name, 26, LOWER)
    return api_id, {
        "arn": f"arn:aws:appsync:{region}:{ACCOUNT}:apis/{api_id}",
        "uris": {
            "GRAPHQL": f"https://{api_id}.appsync-api.{region}.amazonaws.com/graphql",
            "REALTIME": f"wss://{api_id}.appsync-realtime-api.{region}.amazonaws.com/graphql",
        },
    }


def _appsync_child(kind):
    def outputs(name, physical, inputs, region):
        api_id = inputs.get("apiId", "api")
        field_path = f"types/{inputs.get('type')}/resolvers/{inputs.get('field')}"
        path = field_path if kind == "resolver" else f"{kind}s/{physical}"
        return f"{api_id}-{physical}", {"arn": f"arn:aws:appsync:{region}:{ACCOUNT}:apis/{api_id}/{path}"}

    return outputs


def _bucket(name, physical, inputs, region):
    return physical, {
        "bucket": physical,
        "arn": f"arn:aws:s3:::{physical}",
        "bucketDomainName": f"{physical}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{physical}.s3.{region}.amazonaws.com",
        "region": region,
    }


def _distribution(name, physical, inputs, region):
    distribution_id = "E" + _digest(name, 13, UPPER)
    return distribution_id, {
        "arn": f"arn:aws:cloudfront::{ACCOUNT}:distribution/{distribution_id}",
        "domainName": f"d{_digest(name, 13, LOWER)}.cloudfront.net",
        "hostedZoneId": "Z2FDTNDATAQYW2",
        "etag": "E" + _digest(name + "etag", 13, UPPER),
        "status": "Deployed",
    }


def _cloudfront_function(name, physical, inputs, region):
    return physical, {"arn": f"arn:aws:cloudfront::{ACCOUNT}:function/{physical}", "etag": "ETVPDKIKX0DER", "liveStage": "ETVPDKIKX0DER"}


def _user_pool(name, physical, inputs, region, pool_id=None):
    pool_id = pool_id or f"{region}_" + _digest(name, 9, UPPER + LOWER)
    return pool_id, {
        "arn": f"arn:aws:cognito-idp:{region}:{ACCOUNT}:userpool/{pool_id}",
        "endpoint": f"cognito-idp.{region}.amazonaws.com/{pool_id}",
    }


def _user_pool_client(name, physical, inputs, region):
    return _digest(name, 26, LOWER), {}


def _identity_pool(name, physical, inputs, region):
    h = _digest(name, 32)
    pool_id = f"{region}:{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    return pool_id, {"arn": f"arn:aws:cognito-identity:{region}:{ACCOUNT}:identitypool/{pool_id}"}


def _queue(name, physical, inputs, region):
    url = f"https://sqs.{region}.amazonaws.com/{ACCOUNT}/{physical}"
    return url, {"arn": f"arn:aws:sqs:{region}:{ACCOUNT}:{physical}", "url": url}


def _topic(name, physical, inputs, region):
    arn = f"arn:aws:sns:{region}:{ACCOUNT}:{physical}"
    return arn, {"arn": arn}


def _log_group(name, physical, inputs, region):
    return physical, {"arn": f"arn:aws:logs:{region}:{ACCOUNT}:log-group:{physical}"}


def _event_source_mapping(name, physical, inputs, region):
    h = _digest(name, 32)
    mapping_id = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    return mapping_id, {"uuid": mapping_id, "arn": f"arn:aws:lambda:{region}:{ACCOUNT}:event-source-mapping:{mapping_id}", "state": "Enabled"}


def _alarm(name, physical, inputs, region):
    return physical, {"arn": f"arn:aws:cloudwatch:{region}:{ACCOUNT}:alarm:{physical}"}


def _with_uuid_id(name, physical, inputs, region):
    h = _digest(name, 32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}", {"etag": "E" + _digest(name, 13, UPPER)}


def _origin_access_control(name, physical, inputs, region):
    return "E" + _digest(name, 13, UPPER), {"etag": "E" + _digest(name + "etag", 13, UPPER)}


def _sampling_rule(name, physical, inputs, region):
    return physical, {"arn": f"arn:aws:xray:{region}:{ACCOUNT}:sampling-rule/{physical}"}


def _bucket_object(name, physical, inputs, region):
    key = inputs.get("key", physical)
    return key, {"etag": _digest(name, 32), "versionId": _digest(name + "v", 32, UPPER + LOWER)}


OUTPUTS: dict[str, Callable[..., tuple[str, dict[str, Any]]]] = {
    "aws:dynamodb/table:Table": _table,
    "aws:lambda/function:Function": _function,
    "aws:iam/role:Role": _role,
    "aws:iam/policy:Policy": _policy,
    "aws:appsync/graphQLApi:GraphQLApi": _graphql_api,
    "aws:appsync/dataSource:DataSource": _appsync_child("datasource"),
    "aws:appsync/resolver:Resolver": _appsync_child("resolver"),
    "aws:appsync/function:Function": _appsync_child("function"),
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketV2:BucketV2": _bucket,
    "aws:cloudfront/distribution:Distribution": _distribution,
    "aws:cloudfront/function:Function": _cloudfront_function,
    "aws:cloudfront/originAccessControl:OriginAccessControl": _origin_access_control,
    "aws:cloudfront/cachePolicy:CachePolicy": _with_uuid_id,
    "aws:cloudfront/originRequestPolicy:OriginRequestPolicy": _with_uuid_id,
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": _with_uuid_id,
    "aws:cognito/userPool:UserPool": _user_pool,
    "aws:cognito/userPoolClient:UserPoolClient": _user_pool_client,
    "aws:cognito/identityPool:IdentityPool": _identity_pool,
    "aws:sqs/queue:Queue": _queue,
    "aws:sns/topic:Topic": _topic,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _alarm,
    "aws:lambda/eventSourceMapping:EventSourceMapping": _event_source_mapping,
    "aws:s3/bucketObject:BucketObject": _bucket_object,
    "aws:s3/bucketObjectv2:BucketObjectv2": _bucket_object,
    "aws:xray/samplingRule:SamplingRule": _sampling_rule,
}

# Managed CloudFront policies (their ids are the same in every account).
MANAGED_CACHE_POLICIES = {
    "Managed-CachingOptimized": "658327ea-f89d-4fab-a63d-7e88639e58f6",
    "Managed-CachingDisabled": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
}
MANAGED_ORIGIN_REQUEST_POLICIES = {
    "Managed-CORS-S3Origin": "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",
    "Managed-AllViewerExceptHostHeader": "b689b0a8-53d0-40ab-baf2-68738e2966ac",
}


def _physical_name(args: pulumi_mocks.MockResourceArgs) -> str:
    """The name AWS would see: the explicit one, else Pulumi's auto-name (logical name + suffix)."""
    inputs = args.inputs
    for key in ("name", "bucket", "identityPoolName", "functionName", "ruleName"):
        if isinstance(inputs.get(key), str):
            return inputs[key]
    return f"{args.name}-{_digest(args.name, 7)}"


def _iam_value(values: list[Any]) -> Any:
    """The provider writes a one-element list as a plain string, as AWS documents show it."""
    return values[0] if len(values) == 1 else list(values)


def policy_document_json(args: dict[str, Any]) -> str:
    """What `aws.iam.get_policy_document` returns for these arguments (wire names)."""
    statements = []
    for given in args.get("statements") or []:
        statement: dict[str, Any] = {}
        if given.get("sid"):
            statement["Sid"] = given["sid"]
        statement["Effect"] = given.get("effect") or "Allow"
        for key, wire in (("Action", "actions"), ("NotAction", "notActions"),
                          ("Resource", "resources"), ("NotResource", "notResources")):
            if given.get(wire):
                statement[key] = _iam_value(given[wire])
        for key, wire in (("Principal", "principals"), ("NotPrincipal", "notPrincipals")):
            if given.get(wire):
                statement[key] = {p["type"]: _iam_value(p["identifiers"]) for p in given[wire]}
        if given.get("conditions"):
            condition: dict[str, dict[str, Any]] = {}
            for c in given["conditions"]:
                condition.setdefault(c["test"], {})[c["variable"]] = _iam_value(c["values"])
            statement["Condition"] = condition
        statements.append(statement)
    return json.dumps({"Version": args.get("version") or "2012-10-17", "Statement": statements})


@dataclass
class Recorded:
    """One registered resource as the engine saw it."""

    urn: str
    type: str
    name: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    id: str | None
    parent: str  # parent URN (the stack's for the tiers)
    protect: bool
    custom: bool
    dependencies: list[str] = field(default_factory=list)
    read: bool = False  # looked up with `.get()` rather than created
    retain_on_delete: bool = False  # left in AWS when it leaves the program
    import_id: str = ""  # adopted from AWS (`import_`) rather than created
    ignore_changes: list[str] = field(default_factory=list)


class RecordingMocks(pulumi_mocks.Mocks):
    """Realistic outputs per resource type and answers to the provider functions."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def new_resource(self, args: pulumi_mocks.MockResourceArgs):
        if not args.custom and args.resource_id is None:
            return f"{args.name}-component", {}
        region = args.inputs.get("region") or REGION
        physical = _physical_name(args)
        make = OUTPUTS.get(args.typ)
        if make is None:
            service = args.typ.split(":")[1].split("/")[0]
            resource_id, computed = f"{physical}-id", {"arn": f"arn:aws:{service}:{region}:{ACCOUNT}:{physical}"}
        elif make is _user_pool and args.resource_id:  # an adopted pool: its id says its region
            resource_id, computed = _user_pool(args.name, physical, args.inputs, args.resource_id.split("_")[0], args.resource_id)
        else:
            resource_id, computed = make(args.name, physical, args.inputs, region)
        if args.resource_id:  # `Resource.get(...)`: the id is the one asked for
            resource_id = args.resource_id
        outputs = {**args.inputs, **{k: v for k, v in computed.items() if v is not None}}
        outputs.setdefault("name", physical)
        return resource_id, outputs

    def call(self, args: pulumi_mocks.MockCallArgs):
        self.calls.append((args.token, args.args))
        token, given = args.token, args.args
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/ci", "userId": "AIDAEXAMPLE", "id": ACCOUNT}
        if token == "aws:index/getRegion:getRegion":
            region = given.get("region") or given.get("name") or REGION
            return {"name": region, "region": region, "id": region, "description": "Europe (Paris)",
                    "endpoint": f"ec2.{region}.amazonaws.com"}
        if token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws",
                    "reverseDnsPrefix": "com.amazonaws"}
        if token == "aws:iam/getPolicyDocument:getPolicyDocument":
            document = policy_document_json(given)
            return {"json": document, "minifiedJson": json.dumps(json.loads(document), separators=(",", ":")),
                    "id": _digest(document, 10)}
        if token == "aws:cloudfront/getCachePolicy:getCachePolicy":
            return {"id": MANAGED_CACHE_POLICIES[given["name"]], "name": given["name"]}
        if token == "aws:cloudfront/getOriginRequestPolicy:getOriginRequestPolicy":
            return {"id": MANAGED_ORIGIN_REQUEST_POLICIES[given["name"]], "name": given["name"]}
        if token == "aws:cognito/getUserPool:getUserPool":
            pool_id = given["userPoolId"]
            region = pool_id.split("_")[0]
            return {"id": pool_id, "userPoolId": pool_id, "arn": f"arn:aws:cognito-idp:{region}:{ACCOUNT}:userpool/{pool_id}",
                    "endpoint": f"cognito-idp.{region}.amazonaws.com/{pool_id}"}
        raise NotImplementedError(f"infra/mocks.py has no mock answer for {token}: add one")


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The mock monitor, also keeping what `MockResourceArgs` leaves out (parent, protect)."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.recorded: dict[str, Recorded] = {}

    def _record(self, request, response, read: bool) -> None:
        parent = request.parent
        inherited = self.recorded[parent].protect if parent in self.recorded else False
        protect = request.protect if not read and request.HasField("protect") else inherited
        state = self.get_registered_resources()[response.urn]
        self.recorded[response.urn] = Recorded(
            urn=response.urn,
            type=request.type,
            name=request.name,
            inputs=pulumi.runtime.rpc.deserialize_properties(request.properties if read else request.object),
            outputs=dict(state.state),
            id=state.id,
            parent=parent,
            protect=protect,
            custom=read or request.custom,
            dependencies=list(getattr(request, "dependencies", [])),
            read=read,
            retain_on_delete=not read and request.retainOnDelete,
            import_id="" if read else request.importId,
            ignore_changes=[] if read else list(request.ignoreChanges),
        )

    def RegisterResource(self, request):
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            self._record(request, response, read=False)
        return response

    def ReadResource(self, request):
        response = super().ReadResource(request)
        self._record(request, response, read=True)
        return response


@dataclass
class ProgramRun:
    """What one evaluation of the program created and exported."""

    stack: str
    resources: list[Recorded]
    exports: dict[str, Any]
    calls: list[tuple[str, dict[str, Any]]]
    config: dict[str, Any] = field(default_factory=dict)  # full keys, as given to `evaluate`
    warnings: list[str] = field(default_factory=list)  # `pulumi.log.warn` messages, as a preview shows them

    @property
    def name_prefix(self) -> str:
        """The stack's `namePrefix` (as infra/settings.py defaults it): every physical name starts with it."""
        environment = self.config.get(f"{PROJECT}:environment", self.stack)
        return self.config.get(f"{PROJECT}:namePrefix") or f"{PROJECT}-{environment}"

    def prefixed(self, name: str) -> str:
        """A logical name under the program's tiers: `prefixed("cdn-media")` is `<namePrefix>-cdn-media`."""
        return f"{self.name_prefix}-{name}"

    def of_type(self, type_token: str) -> list[Recorded]:
        return [r for r in self.resources if r.type == type_token]

    def named(self, name: str) -> Recorded:
        matches = [r for r in self.resources if r.name == name]
        assert len(matches) == 1, f"{len(matches)} resources named {name}"
        return matches[0]

    def by_urn(self, urn: str) -> Recorded:
        return next(r for r in self.resources if r.urn == urn)

    def tier_of(self, resource: Recorded) -> str | None:
        """The type of the nearest `saint-esprit:*` component above a resource (its tier)."""
        urns = {r.urn: r for r in self.resources}
        current = urns.get(resource.parent)
        while current is not None:
            if current.type.startswith(f"{PROJECT}:"):
                return current.type
            current = urns.get(current.parent)
        return None

    def children_of(self, component_type: str) -> list[Recorded]:
        return [r for r in self.resources if r.custom and self.tier_of(r) == component_type]


def run_under_mocks(program: Callable[[], Any]) -> None:
    """Run `program` as the engine runs one (Pulumi's `pulumi.runtime.test`): every output it
    returns resolved, every registration finished; any error it raises propagates."""
    pulumi.runtime.test(program)()


def resolve(value: Any) -> Any:
    """The plain value of an Output (or of a structure holding Outputs), under the mocks."""
    resolved: list[Any] = []
    run_under_mocks(lambda: pulumi.Output.from_input(value).apply(resolved.append))
    assert resolved, f"{value!r} has no known value under the mocks"
    return resolved[0]


def config_for_pulumi(config: dict[str, Any]) -> dict[str, str]:
    """Stack-file values as the engine hands them to the program: structured values as JSON."""
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}


def evaluate(program: Callable[[], Any], stack: str = "test", config: dict[str, Any] | None = None) -> ProgramRun:
    """Run a Pulumi program (any callable declaring resources) under the mocks, with this
    stack name and config (full keys, e.g. `saint-esprit:environment`), until every resource
    is registered; any error the program raises propagates."""
    mocks = RecordingMocks()
    monitor = RecordingMonitor(mocks)
    engine_log = _EngineLog()
    pulumi.runtime.reset_options(project=PROJECT, stack=stack)  # a fresh root stack, fresh state
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=False, monitor=monitor,
                             logger=engine_log.logger)
    pulumi.runtime.set_all_config(config_for_pulumi(config or {}))
    exports: dict[str, Any] = {}

    def run() -> pulumi.Output:
        program()
        # The stack's outputs: what `pulumi.export` gave it, resolved with the run.
        return pulumi.Output.from_input(pulumi.runtime.get_root_resource().outputs).apply(exports.update)

    run_under_mocks(run)
    return ProgramRun(stack, list(monitor.recorded.values()), exports, mocks.calls, dict(config or {}),
                      engine_log.warnings)


class _EngineLog(logging.Handler):
    """What the program logs to the engine (`pulumi.log`), kept per evaluation."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.warnings: list[str] = []
        self.logger = logging.getLogger(f"{__name__}.engine.{id(self)}")
        self.logger.propagate = False
        self.logger.addHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        self.warnings.append(record.getMessage())


def evaluate_program(stack: str, config: dict[str, Any]) -> ProgramRun:
    """The whole program, `__main__.py`, loaded afresh for one stack."""
    return evaluate(lambda: runpy.run_path(str(PROGRAM), run_name="__main__"), stack, config)


def stack_config(stack: str) -> dict[str, Any]:
    """The committed `Pulumi.<stack>.yaml` settings."""
    return yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]


def make_site_dir(path: Path) -> Path:
    """A small frontend build: index.html and one content-hashed asset."""
    (path / "assets").mkdir(parents=True, exist_ok=True)
    (path / "index.html").write_text("<!doctype html><script src='/assets/app-3f2a9c1d.js'></script>")
    (path / "assets" / "app-3f2a9c1d.js").write_text("console.log('saint-esprit')")
    return path


def test_config(stack: str, site_dir: Path, **overrides: Any) -> dict[str, Any]:
    """A stack's committed settings exactly as committed, with the built site in a temp folder
    (`siteDir`, the one key a checkout cannot hold: the build is not committed) and the given
    `overrides` (setting name -> value; None removes it)."""
    config = dict(stack_config(stack))
    config[f"{PROJECT}:siteDir"] = str(site_dir)
    for key, value in overrides.items():
        if value is None:
            config.pop(f"{PROJECT}:{key}", None)
        else:
            config[f"{PROJECT}:{key}"] = value
    return config


test_config.__test__ = False  # a helper, not a test


# The newsroom's names and their certificate, as the cut-over adds them to the prod stack.
CUT_OVER = {"domainNames": ["saint-esprit.link", "www.saint-esprit.link"], "certificateArn": CERTIFICATE_ARN}


def committed_stacks() -> list[str]:
    """Every `Pulumi.<stack>.yaml` in the repository."""
    return sorted(path.name.split(".")[1] for path in ROOT.glob("Pulumi.*.yaml"))
