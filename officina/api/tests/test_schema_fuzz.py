"""Every operation of the published OpenAPI schema, fed arbitrary input.

A property test in the spirit of schemathesis, without its dependencies: for
each operation in /api/openapi.json, hypothesis builds path values, query
parameters and JSON bodies (well-formed, mistyped or nonsense), and the API
must answer with a documented shape: never a 5xx, and every 4xx in the one
error shape.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import ApiClient

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)


@pytest.fixture
def schema(client: Any) -> dict[str, Any]:
    return client.get("/api/openapi.json").json()  # type: ignore[no-any-return]


@pytest.fixture
def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]


def _body_from_schema(schema: dict[str, Any], operation: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Objects with the documented field names and arbitrary values, or any JSON at all."""
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return st.just(None)
    body_schema = content["schema"]
    if "$ref" in body_schema:
        body_schema = schema["components"]["schemas"][body_schema["$ref"].rsplit("/", 1)[1]]
    fields = list(body_schema.get("properties", {}))
    return st.one_of(
        json_values,
        st.fixed_dictionaries({}, optional=dict.fromkeys(fields, json_values)),
    )


@pytest.fixture
def giulia_api(api_as: Any, giulia: Any) -> ApiClient:
    # Function-scoped: made once for all the examples of the test (one token).
    client: ApiClient = api_as(giulia)
    return client


path_values = st.one_of(
    st.integers(min_value=-5, max_value=10**12).map(str),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz-0123456789", min_size=1, max_size=20),
    st.sampled_from(["navigli", "studio-rossi", "1", "0", "me"]),
)


@pytest.mark.django_db
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_input_gets_a_documented_answer(giulia_api, navigli, schema, operations, data):
    # Fixtures are made once for all examples; the database keeps what examples wrote,
    # which only makes later examples meet more states.
    api: ApiClient = giulia_api
    method, path, operation = data.draw(st.sampled_from(operations))
    if path.endswith(("openapi.json", "/docs")):
        return
    concrete = path.removeprefix("/api")
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            concrete = concrete.replace("{" + parameter["name"] + "}", data.draw(path_values))
    query = {
        parameter["name"]: data.draw(st.text(max_size=20) | st.integers().map(str))
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query" and data.draw(st.booleans())
    }
    body = data.draw(_body_from_schema(schema, operation))
    if method == "GET":
        response = api.client.get(f"/api{concrete}", query, headers=api.headers)
    elif method == "DELETE":
        response = api.delete(concrete)
    else:
        response = api.client.generic(  # POST, PUT or PATCH: the operation's own method
            method,
            f"/api{concrete}",
            json.dumps(body),
            content_type="application/json",
            headers=api.headers,
        )
    assert response.status_code < 500, (method, concrete, body, response.content)
    documented = {int(code) for code in operation["responses"]}
    assert response.status_code in documented, (method, concrete, response.status_code)
    if response.status_code >= 400:
        error = response.json()
        assert set(error) >= {"code", "message"}
