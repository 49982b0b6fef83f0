"""The GraphQL side of the local AppSync: `infra/schema.graphql` executed with graphql-core.

Like AppSync: every field is checked against the schema's auth directives (`@aws_iam`,
`@aws_cognito_user_pools`; the default mode is the user pool); every Query/Mutation field except
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

from devstack import invoke
from devstack.identity import IAM, USER_POOL, Caller
from handlers.entities import BY_TYPE, ENTITIES
from infra import appsync_schema

PUBLISH = "publish"
# AppSync's directive names for the two modes this API uses.
_MODE_DIRECTIVES = {"aws_iam": IAM, "aws_cognito_user_pools": USER_POOL}
DEFAULT_MODE = USER_POOL


class RequestError(Exception):
    """A request AppSync refuses before executing it (parse/validation errors)."""

    def __init__(self, errors: list[dict[str, Any]]):
        super().__init__(errors[0]["message"] if errors else "bad request")
        self.errors = errors


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
    def _directive_modes(ast_node) -> set[str]:
        names = {d.name.value for d in (ast_node.directives if ast_node else ())}
        return {mode for name, mode in _MODE_DIRECTIVES.items() if name in names}

    def _auth_modes(self) -> dict[tuple[str, str], set[str]]:
        """(type, field) → allowed modes: the field's directives, else its type's, else the
        default mode (AppSync's rule)."""
        modes: dict[tuple[str, str], set[str]] = {}
        for type_name, graphql_type in self.schema.type_map.items():
            if type_name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType):
                continue
            type_modes = self._directive_modes(graphql_type.ast_node)
            for field_name, field_def in graphql_type.fields.items():
                modes[(type_name, field_name)] = (
                    self._directive_modes(field_def.ast_node) or type_modes or {DEFAULT_MODE}
                )
        return modes

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
        except GraphQLError as error:
            raise RequestError([error_dict(error)]) from None
        errors = validate(self.schema, document)
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
        if context.caller.mode not in self.modes.get((parent, name), {DEFAULT_MODE}):
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
    async def execute(self, request: dict[str, Any], caller: Caller,
                      headers: dict[str, str]) -> dict[str, Any]:
        """Execute a query or mutation; the response body AppSync would send."""
        query = request.get("query")
        if not isinstance(query, str):
            return {"data": None, "errors": [
                {"errorType": "MalformedHttpRequestException", "message": "No query provided."}
            ]}
        variables = request.get("variables") or {}
        try:
            operation = self.operation(query, request.get("operationName"))
        except RequestError as error:
            return {"data": None, "errors": error.errors}
        if operation.kind == OperationType.SUBSCRIPTION:
            return {"data": None, "errors": [{"errorType": "ValidationError", "message":
                    "Subscriptions are served over the real-time WebSocket endpoint."}]}
        result = execute(
            self.schema,
            operation.document,
            variable_values=variables,
            operation_name=request.get("operationName"),
            context_value=Context(caller, headers, variables),
            field_resolver=self._field_resolver,
        )
        if hasattr(result, "__await__"):
            result = await result
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
