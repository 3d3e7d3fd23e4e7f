"""The OpenAPI document describes every response with an example (issue 11 §6), and every
example is an answer the API could send: it goes through the response's own schema class and
ninja's rendering unchanged, and it fits the document's schema for that response.

The examples are the values the resolvers produce (a masked ID number, a station's code), so
they are validated as the fields' values, with the resolvers set aside.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import get_args, get_origin

import jsonschema
import pytest
from ninja import Schema
from ninja.constants import NOT_SET
from ninja.responses import NinjaJSONEncoder

from ciic.api.examples import EXAMPLES
from ciic.api.pagination import Pages
from ciic.api.urls import api

from .helpers import ApiClient


@pytest.fixture
def document(db):
    """The document as a client reads it, at /api/v1/openapi.json."""
    response = ApiClient().get("/openapi.json")
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def without_resolvers(monkeypatch):
    for cls in _subclasses(Schema):
        if cls.__dict__.get("_ninja_resolvers"):
            monkeypatch.setattr(cls, "_ninja_resolvers", {})


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _operations() -> dict:
    """The API's operations by their operationId, as the document names them."""
    found = {}
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                found[operation.operation_id or api.get_openapi_operation_id(operation)] = operation
    return found


def _responses(document):
    """(label, operation id, status, media type object) of every response body in the document."""
    for path, methods in document["paths"].items():
        for method, details in methods.items():
            for status, response in details["responses"].items():
                for media_type, media in response.get("content", {}).items():
                    label = f"{method.upper()} {path} → {status} {media_type}"
                    yield label, details["operationId"], int(status), media


def _is_binary(media) -> bool:
    return media.get("schema", {}).get("format") == "binary"


def _example(media, document):
    """The response's example: on its media type, or on the component its schema names."""
    if "example" in media:
        return media["example"]
    if media.get("examples"):
        return next(iter(media["examples"].values()))["value"]
    ref = media.get("schema", {}).get("$ref")
    if ref:
        component = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        if "example" in component:
            return component["example"]
        if component.get("examples"):
            return component["examples"][0]
    return None


def test_every_response_has_an_example(document):
    missing = [label for label, _id, _status, media in _responses(document)
               if not _is_binary(media) and _example(media, document) is None]
    assert not missing, f"{len(missing)} responses have no example (ciic/api/examples.py):\n" + "\n".join(missing)


def test_every_example_is_what_the_api_would_send(document, without_resolvers):
    """Through the operation's response model and ninja's rendering, as a view's return value
    would go, the example comes out unchanged: no field missing, none extra, none of another
    type. And it is valid against the schema the document gives for that response."""
    operations = _operations()
    problems = []
    checked = 0
    for label, operation_id, status, media in _responses(document):
        example = _example(media, document)
        if example is None:
            continue
        operation = operations[operation_id]
        model = operation.response_models[status]
        try:
            validated = model.model_validate({"response": example}, by_alias=False, by_name=True)
            sent = validated.model_dump(by_alias=operation.by_alias, exclude_unset=operation.exclude_unset,
                                        exclude_defaults=operation.exclude_defaults,
                                        exclude_none=operation.exclude_none)["response"]
            rendered = json.loads(json.dumps(sent, cls=NinjaJSONEncoder))
        except Exception as exc:  # a pydantic ValidationError, or a value ninja cannot render
            problems.append(f"{label}: {exc}")
            continue
        if rendered != example:
            problems.append(f"{label}: the API would send\n  {rendered}\nnot the example\n  {example}")
        try:
            jsonschema.validate(example, {**media["schema"], "components": document["components"]},
                                cls=jsonschema.Draft202012Validator)
        except jsonschema.ValidationError as exc:
            problems.append(f"{label}: does not fit the document's schema: {exc.message} at {list(exc.path)}")
        checked += 1
    assert checked, "no example was checked"
    assert not problems, "\n".join(problems)


def test_each_schema_name_is_one_class(document):
    """ninja files every schema under its class name: two classes of one name would leave one
    response described (and exemplified) by the other's schema."""
    classes = defaultdict(set)
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("ciic."):
            classes[cls.__name__].add(f"{cls.__module__}.{cls.__qualname__}")
    shared = {name: sorted(paths) for name, paths in classes.items()
              if len(paths) > 1 and name in document["components"]["schemas"]}
    assert not shared, shared


def test_every_example_belongs_to_a_response():
    """No example outlives its schema: each one in the table is some response's, or an item of
    some response's list or page."""
    declared = set()
    for operation in _operations().values():
        for model in operation.response_models.values():
            if model in (None, NOT_SET):
                continue
            annotation = model.model_fields["response"].annotation
            if get_origin(annotation) is list:
                annotation = get_args(annotation)[0]
            if isinstance(annotation, type) and issubclass(annotation, Pages.Output):
                annotation = get_args(annotation.model_fields[Pages.items_attribute].annotation)[0]
            declared.add(annotation)
    assert set(EXAMPLES) <= declared, sorted(cls.__qualname__ for cls in set(EXAMPLES) - declared)


# A resident ID number (region, birth date, sequence, check) or a mainland mobile, unmasked.
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")
MASKED_FIELDS = {"id_number_masked", "mobile_masked", "mobile"}


def _values(node, key=None):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _values(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _values(v, key)
    else:
        yield key, node


def test_examples_show_personal_data_masked(document):
    """As the API shows it (ciic.core.masking): never a whole ID number or mobile."""
    examples = [_example(media, document) for *_rest, media in _responses(document)]
    text = json.dumps(examples, ensure_ascii=False)
    assert not ID_NUMBER.findall(text) and not MOBILE.findall(text)
    masked = [(key, value) for key, value in _values(examples) if key in MASKED_FIELDS]
    assert masked and all("*" in value for _key, value in masked), masked
