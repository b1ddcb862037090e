"""Calling the API and checking each answer against the OpenAPI document: the status must
be one the operation documents, and the body must match that response's schema exactly
(no undocumented fields)."""
from __future__ import annotations

import copy
import re
from urllib.parse import urlsplit

import jsonschema

from directory.api.openapi import document
from tests.test_api import _strict

_DOC = document()
_COMPONENTS = _strict(copy.deepcopy(_DOC["components"]))
_TEMPLATES = [(re.compile("^/api/v1" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path)
              for path in _DOC["paths"]]


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def documented_response(method: str, path: str, status: int) -> dict:
    path = urlsplit(path).path
    template = next((t for pattern, t in _TEMPLATES if pattern.match(path)), None)
    assert template is not None, f"{path} is not in the OpenAPI document"
    operation = _DOC["paths"][template].get(method.lower())
    assert operation is not None, f"{method} {template} is not in the OpenAPI document"
    response = operation["responses"].get(str(status))
    assert response is not None, f"{method} {template} does not document {status}"
    return response


def check(response, method: str, path: str) -> dict | None:
    """The response's JSON body, after checking it against the document."""
    spec = documented_response(method, path, response.status_code)
    if "content" not in spec:
        assert not response.get_data(), "an undocumented body"
        return None
    assert response.mimetype == "application/json", response.get_data(as_text=True)
    body = response.get_json()
    schema = spec["content"]["application/json"]["schema"]
    jsonschema.Draft202012Validator(
        {**schema, "components": _COMPONENTS},
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER).validate(body)
    return body


def call(client, method: str, path: str, expected: int, **kwargs) -> dict | None:
    response = client.open(path, method=method, **kwargs)
    assert response.status_code == expected, response.get_data(as_text=True)
    return check(response, method, path)


def error_code(body: dict) -> str:
    assert body["error"]["message"]
    return body["error"]["code"]
