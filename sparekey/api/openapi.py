"""The API object, whose OpenAPI 3.1 document names each endpoint's scope and account role."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation

from sparekey.accounts.permissions import RULES

from .auth import TokenAuth


def rule_of(operation: Operation) -> TokenAuth | None:
    """The endpoint's declared rule: its one TokenAuth, or None (then the rule table test fails)."""
    rules = [auth for auth in operation.auth_callbacks if isinstance(auth, TokenAuth)]
    return rules[0] if len(rules) == 1 else None


class ScopedSchema(OpenAPISchema):
    def operation_security(self, operation: Operation) -> list[dict[str, Any]] | None:
        rule = rule_of(operation)
        if rule is None:
            return super().operation_security(operation)
        name = type(rule).__name__
        self.securitySchemes[name] = rule.openapi_security_schema
        # OpenAPI 3.1 lets a bearer scheme's requirement list "role names": here, the scope.
        return [{name: [str(rule.scope)]}]

    def operation_details(self, operation: Operation) -> dict[str, Any]:
        details = super().operation_details(operation)
        if (rule := rule_of(operation)) is not None:
            needs = f"Needs a token with the `{rule.scope}` scope"
            if rule.action is not None:
                roles = " or ".join(
                    _with_article(role.label) for role in sorted(RULES[rule.action])
                )
                needs += f", whose member is {roles} of the account"
            details["description"] = f"{details.get('description', '')}\n\n{needs}.".strip()
        return details


def _with_article(noun: str) -> str:
    return f"{'an' if noun[0] in 'AEIOU' else 'a'} {noun}"


class SparekeyAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return ScopedSchema(api=self, path_prefix=path_prefix)
