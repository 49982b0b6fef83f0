"""The GraphQL side of the local AppSync: `infra/schema.graphql` executed with graphql-core.

Like AppSync: every field is checked against the schema's auth directives (`@aws_iam`,
`@aws_cognito_user_pools`, with its `cognito_groups` when given; the default mode is the user
pool); a request deeper than the API's query depth limit or invoking more resolvers than its
resolver count limit (`infra/appsync_schema.py`, the values the deployed API has) is refused
before anything runs; a malformed request (body, `variables`, `operationName` of the wrong
JSON type) is a 400 with `errors`; every Query/Mutation field except
`publish` calls the resolver Lambda's handler with a direct-Lambda event and translates its
envelope as `infra/resolvers/invoke.js` does; `publish` (a NONE data source) returns its
argument; and the result of a mutation named in a subscription's `@aws_subscribe` is handed to
the subscribers (filtered per entity for `publish`), carrying only the fields the mutation
selected.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

import anyio.to_thread
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    default_field_resolver,
    execute,
    get_named_type,
    parse,
    print_ast,
    validate,
)
from graphql.language.ast import SelectionSetNode

from devstack import invoke
from devstack.identity import IAM, USER_POOL, Caller
from newsroom.entities import BY_TYPE, ENTITIES
from infra import appsync_schema

PUBLISH = "publish"
# AppSync's directive names for the two modes this API uses.
_MODE_DIRECTIVES = {"aws_iam": IAM, "aws_cognito_user_pools": USER_POOL}
DEFAULT_MODE = USER_POOL


class RequestError(Exception):
    """A request AppSync refuses before executing it (parse/validation errors, limits)."""

    def __init__(self, errors: list[dict[str, Any]]):
        super().__init__(errors[0]["message"] if errors else "bad request")
        self.errors = errors


class BadRequest(RequestError):
    """A request that is not a GraphQL request at all: AppSync answers HTTP 400."""

    def __init__(self, message: str):
        super().__init__([{"errorType": "MalformedHttpRequestException", "message": message}])


def _refusal(message: str) -> RequestError:
    return RequestError([{"errorType": "ValidationError", "message": message,
                          "locations": [], "path": None}])


def request_parts(request: Any) -> tuple[str | None, dict[str, Any], str | None]:
    """(query, variables, operationName) of a request object, each of its JSON type, or
    BadRequest (a string of variables once broke the fan-out for every subscriber)."""
    if not isinstance(request, dict):
        raise BadRequest("The request must be a JSON object.")
    query, variables = request.get("query"), request.get("variables")
    operation_name = request.get("operationName")
    if variables is not None and not isinstance(variables, dict):
        raise BadRequest("variables must be a JSON object.")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest("operationName must be a string.")
    return (query if isinstance(query, str) else None), variables or {}, operation_name or None


def _depth(selection_set: SelectionSetNode | None, fragments: dict[str, Any], limit: int,
           spread: tuple[str, ...] = ()) -> int:
    """Levels of fields in a selection (fragments expanded); stops counting once past `limit`,
    so a hostile document costs at most `limit` levels of work."""
    deepest = 0
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            below = _depth(selection.selection_set, fragments, limit - 1, spread) if limit > 0 else 1
            levels = 1 + below
        elif isinstance(selection, InlineFragmentNode):
            levels = _depth(selection.selection_set, fragments, limit, spread)
        else:
            name = selection.name.value
            if name in spread or name not in fragments:
                continue  # a cycle or an unknown fragment: validation names it
            levels = _depth(fragments[name].selection_set, fragments, limit, spread + (name,))
        deepest = max(deepest, levels)
        if deepest > limit:
            break
    return deepest


def _resolver_count(selection_set: SelectionSetNode | None, fragments: dict[str, Any],
                    spread: tuple[str, ...] = ()) -> int:
    """Resolvers a request invokes: in this API only root fields have one (each alias counts)."""
    count = 0
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            count += not selection.name.value.startswith("__")
        elif isinstance(selection, InlineFragmentNode):
            count += _resolver_count(selection.selection_set, fragments, spread)
        elif selection.name.value in fragments and selection.name.value not in spread:
            name = selection.name.value
            count += _resolver_count(fragments[name].selection_set, fragments, spread + (name,))
    return count


def check_limits(document: DocumentNode) -> None:
    """AppSync's query depth and resolver count limits, checked on the parsed document before
    validation (validating a thousand aliases of one field alone takes seconds)."""
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        depth_limit = appsync_schema.QUERY_DEPTH_LIMIT
        if _depth(definition.selection_set, fragments, depth_limit) > depth_limit:
            raise _refusal(f"Query depth exceeds the limit of {depth_limit}.")
        count_limit = appsync_schema.RESOLVER_COUNT_LIMIT
        if _resolver_count(definition.selection_set, fragments) > count_limit:
            raise _refusal(f"Resolver count exceeds the limit of {count_limit}.")


@dataclass
class Context:
    """What one request's resolvers share: the caller and the raw request."""

    caller: Caller
    headers: dict[str, str]
    variables: dict[str, Any]
    fragments: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    document: DocumentNode
    definition: OperationDefinitionNode

    @property
    def kind(self) -> OperationType:
        return self.definition.operation

    def root_fields(self) -> list[FieldNode]:
        return [s for s in self.definition.selection_set.selections if isinstance(s, FieldNode)]


def error_dict(error: GraphQLError) -> dict[str, Any]:
    """A GraphQL error in AppSync's shape (`errorType`, `errorInfo`, `data` beside `message`)."""
    original = error.original_error
    if isinstance(original, invoke.AppSyncError):
        message, error_type = original.message, original.error_type
        data, info = original.data, original.error_info
    else:
        message = error.message
        # Errors found before execution (parse, validation) have no path.
        error_type = "ValidationError" if error.path is None else "InternalFailure"
        data = info = None
    return {
        "path": error.path,
        "data": data,
        "errorType": error_type,
        "errorInfo": info,
        "locations": [
            {"line": loc.line, "column": loc.column, "sourceName": None}
            for loc in error.locations or []
        ],
        "message": str(message),
    }


def _selection_list(selection_set, fragments: dict[str, Any], prefix: str = "") -> list[str]:
    """AppSync's `info.selectionSetList`: every selected field as a slash-separated path."""
    paths: list[str] = []
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            if selection.name.value.startswith("__"):
                continue
            path = prefix + selection.name.value
            paths.append(path)
            paths += _selection_list(selection.selection_set, fragments, path + "/")
        elif isinstance(selection, InlineFragmentNode):
            paths += _selection_list(selection.selection_set, fragments, prefix)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                paths += _selection_list(fragment.selection_set, fragments, prefix)
    return paths


class Gateway:
    """Executes GraphQL requests for one schema and one resolver handler."""

    def __init__(
        self,
        resolver: Callable[[dict, Any], Any],
        region: str,
        on_mutation_result: Callable[[str, Any], None] = lambda name, value: None,
        on_write: Callable[[str], None] = lambda entity: None,
        schema: GraphQLSchema | None = None,
    ):
        self.schema = schema or appsync_schema.load()
        self.resolver = resolver
        self.region = region
        # Called with (mutation field, its result) for mutations that trigger subscriptions.
        self.on_mutation_result = on_mutation_result
        # Called with an entity name after a successful mutation on it (wakes its poller).
        self.on_write = on_write
        self.modes = self._auth_modes()
        self.triggers = self._subscription_triggers()
        # Clients repeat the same few documents: parse and validate each once.
        self.operation = lru_cache(maxsize=512)(self._operation)

    # ------------------------------------------------------------------ schema-derived tables
    @staticmethod
    def _directive_modes(ast_node) -> dict[str, frozenset[str] | None]:
        """Modes a node's directives allow → the user pool groups allowed (None: any user;
        `@aws_cognito_user_pools(cognito_groups: [...])` names them)."""
        modes: dict[str, frozenset[str] | None] = {}
        for directive in ast_node.directives if ast_node else ():
            mode = _MODE_DIRECTIVES.get(directive.name.value)
            if mode is None:
                continue
            groups = next((argument.value for argument in directive.arguments
                           if argument.name.value == "cognito_groups"), None)
            modes[mode] = None if groups is None else frozenset(v.value for v in groups.values)
        return modes

    def _auth_modes(self) -> dict[tuple[str, str], dict[str, frozenset[str] | None]]:
        """(type, field) → allowed modes (and groups): the field's directives, else its type's,
        else the default mode (AppSync's rule)."""
        modes: dict[tuple[str, str], dict[str, frozenset[str] | None]] = {}
        for type_name, graphql_type in self.schema.type_map.items():
            if type_name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType):
                continue
            type_modes = self._directive_modes(graphql_type.ast_node)
            for field_name, field_def in graphql_type.fields.items():
                modes[(type_name, field_name)] = (
                    self._directive_modes(field_def.ast_node) or type_modes or {DEFAULT_MODE: None}
                )
        return modes

    def authorized(self, caller: Caller, type_name: str, field_name: str) -> bool:
        """May this caller reach this field: its mode is allowed and, when the directive names
        groups, the caller is in one of them."""
        modes = self.modes.get((type_name, field_name), {DEFAULT_MODE: None})
        if caller.mode not in modes:
            return False
        groups = modes[caller.mode]
        return groups is None or bool(groups & set(caller.identity.get("groups") or ()))

    def _subscription_triggers(self) -> dict[str, list[str]]:
        """mutation field → the subscription fields its `@aws_subscribe` fires."""
        triggers: dict[str, list[str]] = {}
        for name, field_def in self.schema.subscription_type.fields.items():
            for directive in field_def.ast_node.directives:
                if directive.name.value != "aws_subscribe":
                    continue
                for argument in directive.arguments:
                    for value in argument.value.values:
                        triggers.setdefault(value.value, []).append(name)
        return triggers

    @staticmethod
    def subscription_entity(subscription_field: str) -> str | None:
        """The entity an `onTChanged` subscription is filtered on (`entity eq "<name>"`)."""
        for entity in ENTITIES:
            if subscription_field == f"on{entity.type_name}Changed":
                return entity.name
        return None

    # ------------------------------------------------------------------------------ parsing
    def _operation(self, query: str, operation_name: str | None = None) -> Operation:
        """Parse and validate a request; RequestError lists what AppSync would refuse."""
        try:
            document = parse(query)
            check_limits(document)
            errors = validate(self.schema, document)
        except GraphQLError as error:
            raise RequestError([error_dict(error)]) from None
        except RecursionError:  # nested literals or selections far beyond any limit
            raise _refusal(f"Query depth exceeds the limit of "
                           f"{appsync_schema.QUERY_DEPTH_LIMIT}.") from None
        if errors:
            raise RequestError([error_dict(e) for e in errors])
        definitions = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if operation_name:
            definitions = [d for d in definitions if d.name and d.name.value == operation_name]
        if len(definitions) != 1:
            raise RequestError(
                [{"errorType": "ValidationError", "message": "Exactly one operation must be "
                  "selected (name it with operationName).", "locations": [], "path": None}]
            )
        return Operation(document, definitions[0])

    # ---------------------------------------------------------------------------- resolving
    def _field_resolver(self, source, info, **arguments):
        context: Context = info.context
        parent, name = info.parent_type.name, info.field_name
        if not self.authorized(context.caller, parent, name):
            raise invoke.AppSyncError(
                f"Not Authorized to access {name} on type {parent}", "Unauthorized"
            )
        if parent in ("Query", "Mutation"):
            if name == PUBLISH:
                return arguments["change"]  # NONE data source: the argument is the result
            return self._invoke_resolver(info, arguments)
        value = default_field_resolver(source, info, **arguments)
        if get_named_type(info.return_type).name == "AWSJSON" and value is not None \
                and not isinstance(value, str):
            value = json.dumps(value, separators=(",", ":"), default=str)
        return value

    def _event(self, info, arguments: dict[str, Any]) -> dict[str, Any]:
        context: Context = info.context
        node = info.field_nodes[0]
        return invoke.request(
            arguments,
            context.caller.identity,
            None,
            {
                "fieldName": info.field_name,
                "parentTypeName": info.parent_type.name,
                "variables": context.variables,
                "selectionSetList": _selection_list(node.selection_set, info.fragments),
                "selectionSetGraphQL": print_ast(node.selection_set) if node.selection_set else "",
            },
            {"headers": context.headers, "domainName": None},
        )

    async def _invoke_resolver(self, info, arguments: dict[str, Any]) -> Any:
        event = self._event(info, arguments)
        lambda_context = invoke.LambdaContext("saint-esprit-resolver", self.region)
        try:
            result = await anyio.to_thread.run_sync(self.resolver, event, lambda_context)
        except Exception as error:  # the Lambda failed: AppSync sets ctx.error
            data = invoke.response(None, {"message": str(error), "type": "Lambda:Unhandled"})
        else:
            data = invoke.response(result)
        if info.parent_type.name == "Mutation":
            entity = BY_TYPE.get(get_named_type(info.return_type).name)
            if entity is not None:
                self.on_write(entity.name)
        return data

    # ---------------------------------------------------------------------------- executing
    async def answer(self, body: bytes, caller: Caller,
                     headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """(HTTP status, body) AppSync answers to a POST /graphql body."""
        try:
            request = json.loads(body)
        except (ValueError, RecursionError):
            request = None
        if not isinstance(request, dict):
            return 400, {"errors": BadRequest("The body must be a JSON object.").errors}
        try:
            return 200, await self.execute(request, caller, headers)
        except BadRequest as error:
            return 400, {"errors": error.errors}

    async def execute(self, request: dict[str, Any], caller: Caller,
                      headers: dict[str, str]) -> dict[str, Any]:
        """Execute a query or mutation; the response body AppSync would send (BadRequest when
        the request is not one)."""
        query, variables, operation_name = request_parts(request)
        if query is None:
            return {"data": None, "errors": [
                {"errorType": "MalformedHttpRequestException", "message": "No query provided."}
            ]}
        try:
            operation = self.operation(query, operation_name)
        except RequestError as error:
            return {"data": None, "errors": error.errors}
        if operation.kind == OperationType.SUBSCRIPTION:
            return {"data": None, "errors": [{"errorType": "ValidationError", "message":
                    "Subscriptions are served over the real-time WebSocket endpoint."}]}
        try:
            result = execute(
                self.schema,
                operation.document,
                variable_values=variables,
                operation_name=operation_name,
                context_value=Context(caller, headers, variables),
                field_resolver=self._field_resolver,
            )
            if hasattr(result, "__await__"):
                result = await result
        except RecursionError:  # variables nested far deeper than any input of the schema
            raise BadRequest("variables nest too deep.") from None
        response: dict[str, Any] = {"data": result.data}
        if result.errors:
            response["errors"] = [error_dict(e) for e in result.errors]
        if operation.kind == OperationType.MUTATION and result.data:
            for node in operation.root_fields():
                value = result.data.get(node.alias.value if node.alias else node.name.value)
                if value is not None and node.name.value in self.triggers:
                    self.on_mutation_result(node.name.value, value)
        return response

    def render(self, operation: Operation, variables: dict[str, Any], caller: Caller,
               subscription_field: str, value: Any) -> dict[str, Any]:
        """The `payload` of a subscription `data` message: the subscriber's selection over the
        published value (fields the mutation did not select stay null, as in AppSync)."""
        result = execute(
            self.schema,
            operation.document,
            root_value={subscription_field: value},
            variable_values=variables,
            context_value=Context(caller, {}, variables),
            field_resolver=self._field_resolver,
        )
        payload: dict[str, Any] = {"data": result.data}
        if result.errors:
            payload["errors"] = [error_dict(e) for e in result.errors]
        return payload
