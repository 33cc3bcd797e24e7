"""The shared reading of JSON Schema (``oai_mock.spec.walk``): references, types, combinators
and keyword facts, and the producers built on it (answer synthesis, the instance builder, the
contract strategies) that leave references and keywords to it."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oai_mock.contracts import strategies
from oai_mock.mockserver.behaviours.instances import SchemaError, instance_for
from oai_mock.spec import SchemaChecker, load_bundle, walk
from oai_mock.spec.walk import NumberFacts, Refs

PACKAGE = Path(__file__).resolve().parents[1] / "oai_mock"
PRODUCERS = [
    PACKAGE / "mockserver" / "synthesis.py",
    PACKAGE / "mockserver" / "behaviours" / "instances.py",
    PACKAGE / "contracts" / "strategies.py",
]
# Modules that read bundle schemas for their own purposes (binary fields, form coercion, event
# unions, image answers, scripted answers): they resolve through the bundle's walk.Refs too.
READERS = [
    PACKAGE / "contracts" / "examples.py",
    PACKAGE / "mockserver" / "requests.py",
    PACKAGE / "mockserver" / "generic.py",
    PACKAGE / "mockserver" / "scripting.py",
    PACKAGE / "mockserver" / "behaviours" / "images.py",
]

PETS: dict[str, Any] = {
    "$defs": {
        "Cat": {
            "type": "object",
            "properties": {"kind": {"type": "string"}, "purrs": {"type": "boolean"}},
            "required": ["kind", "purrs"],
        },
        "Dog": {
            "type": "object",
            "properties": {"kind": {"type": "string"}, "barks": {"type": "boolean"}},
            "required": ["kind", "barks"],
        },
        "Bird": {
            "type": "object",
            "properties": {"kind": {"const": "bird"}},
            "required": ["kind"],
        },
    },
    "oneOf": [{"$ref": "#/$defs/Cat"}, {"$ref": "#/$defs/Dog"}, {"$ref": "#/$defs/Bird"}],
    "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/$defs/Cat"}},
}


# -- references --------------------------------------------------------------------------------


def test_a_reference_resolves_with_its_siblings_on_top() -> None:
    refs = Refs({"$defs": {"A": {"type": "string", "description": "a"}}})
    assert refs.resolve({"$ref": "#/$defs/A", "description": "b"}) == {
        "type": "string",
        "description": "b",
    }
    assert refs.resolve({"type": "integer"}) == {"type": "integer"}


def test_a_chain_of_references_is_followed_to_its_end() -> None:
    refs = Refs({"$defs": {"A": {"$ref": "#/$defs/B"}, "B": {"$ref": "#/$defs/C"}, "C": {}}})
    assert refs.resolve({"$ref": "#/$defs/A"}) == {}


def test_a_pointer_reaches_into_the_document_and_its_escapes() -> None:
    refs = Refs({"properties": {"a/b": {"items": [{"type": "null"}]}}})
    assert refs.resolve({"$ref": "#/properties/a~1b/items/0"}) == {"type": "null"}
    assert refs.resolve({"$ref": "#"}) == refs.target("#")


@pytest.mark.parametrize(
    ("root", "ref", "says"),
    [
        ({"$defs": {}}, "#/$defs/Missing", "names nothing"),
        ({}, "https://example.com/schema.json", "only local"),
        ({"oo": {"type": "integer"}}, "#foo", "only local"),  # an anchor, not a pointer
    ],
)
def test_a_reference_that_cannot_be_followed_is_a_clear_error(
    root: dict[str, Any], ref: str, says: str
) -> None:
    with pytest.raises(walk.RefError, match=says):
        Refs(root).resolve({"$ref": ref})


def test_a_schema_that_refers_to_itself_through_a_property_is_not_a_loop() -> None:
    tree = {"type": "object", "properties": {"child": {"$ref": "#"}}}
    refs = Refs(tree)
    assert refs.resolve({"$ref": "#"}) is tree
    # The builder fills the optional child a few levels down, then stops.
    value = instance_for(tree)
    assert jsonschema_rs.validator_for(tree).is_valid(value)


def test_a_required_self_reference_is_refused_with_the_reason() -> None:
    endless = {"type": "object", "properties": {"next": {"$ref": "#"}}, "required": ["next"]}
    with pytest.raises(SchemaError, match="refer back to its own schema"):
        instance_for(endless)


@pytest.mark.parametrize(
    ("defs", "start", "expected"),
    [
        ({"A": {"$ref": "#/$defs/A"}}, {"$ref": "#/$defs/A"}, {}),
        ({"A": {"$ref": "#/$defs/B"}, "B": {"$ref": "#/$defs/A"}}, {"$ref": "#/$defs/A"}, {}),
        (
            {"A": {"$ref": "#/$defs/B", "minimum": 2}, "B": {"$ref": "#/$defs/A"}},
            {"$ref": "#/$defs/A", "type": "integer"},
            {"type": "integer", "minimum": 2},
        ),
    ],
)
def test_a_loop_of_references_adds_nothing_on_its_second_round(
    defs: dict[str, Any], start: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert Refs({"$defs": defs}).resolve(start) == expected


def test_a_reference_loop_still_gets_an_instance() -> None:
    # What the loop said before it came back (an integer of at least 4) is what the value meets;
    # a bare loop ({"$ref": "#"}) says nothing, so any value meets it (see the test above).
    schema = {
        "$defs": {"A": {"$ref": "#/$defs/A", "type": "integer", "minimum": 4}},
        "$ref": "#/$defs/A",
    }
    value = instance_for(schema)
    assert isinstance(value, int) and value >= 4
    assert jsonschema_rs.validator_for(schema).is_valid(value)


def test_a_long_chain_of_references_is_followed_whatever_its_length() -> None:
    defs: dict[str, Any] = {f"R{i}": {"$ref": f"#/$defs/R{i + 1}"} for i in range(200)}
    defs["R200"] = {"type": "integer", "minimum": 5}
    assert Refs({"$defs": defs}).resolve({"$ref": "#/$defs/R0"}) == defs["R200"]


@pytest.mark.parametrize(
    "schema",
    [
        {"allOf": [{"$ref": "#/$defs/Missing"}]},
        {"anyOf": [{"$ref": "#/$defs/Missing"}]},
        {"type": "object", "properties": {"a": {"$ref": "#/$defs/Missing"}}, "required": ["a"]},
        {"$ref": "#anchor"},
    ],
)
def test_a_reference_to_nothing_anywhere_in_a_users_schema_is_a_schema_error(
    schema: dict[str, Any],
) -> None:
    with pytest.raises(SchemaError, match="reference"):
        instance_for(schema)


def test_a_resolved_reference_is_the_same_object_each_time() -> None:
    target = {"type": "string"}
    refs = Refs({"$defs": {"A": {"$ref": "#/$defs/B"}, "B": target}})
    assert refs.resolve({"$ref": "#/$defs/A"}) is target
    assert refs.resolve({"$ref": "#/$defs/A"}) is target  # from the cache, the same answer
    assert refs.named({"$ref": "#/$defs/A"}) == ("A", target)
    assert refs.named(target) == (None, target)


def test_a_bundle_reference_names_its_definition() -> None:
    assert Refs.name({"$ref": "#/$defs/ChatCompletionRequestMessage"}) == (
        "ChatCompletionRequestMessage"
    )
    assert Refs.name({"type": "string"}) is None


# -- types -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "named", "first"),
    [
        ({"type": "string"}, ("string",), "string"),
        ({"type": ["null", "integer"]}, ("null", "integer"), "integer"),
        ({"type": "number", "nullable": True}, ("number", "null"), "number"),
        ({"type": ["null"]}, ("null",), "null"),
        ({"description": "anything"}, (), None),
    ],
)
def test_types_read_lists_and_nullable(
    schema: dict[str, Any], named: tuple[str, ...], first: str | None
) -> None:
    assert walk.types(schema) == named
    assert walk.first_type(schema) == first


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"const": 1, "enum": [1], "type": "integer"}, "const"),
        ({"enum": ["a"], "type": "string"}, "enum"),
        ({"oneOf": [{}], "allOf": [{}]}, "union"),
        ({"anyOf": [], "allOf": [{}]}, "all_of"),
        ({"type": ["null", "array"]}, "array"),
        ({"properties": {}}, "object"),
        ({}, "any"),
    ],
)
def test_kind_reads_keywords_in_one_order(schema: dict[str, Any], expected: str) -> None:
    assert walk.kind(schema) == expected


# -- combinators -------------------------------------------------------------------------------


def test_all_of_merges_properties_and_required() -> None:
    refs = Refs(
        {"$defs": {"Named": {"properties": {"name": {"type": "string"}}, "required": ["name"]}}}
    )
    schema = {
        "type": "object",
        "title": "a",
        "allOf": [
            {"$ref": "#/$defs/Named"},
            {"properties": {"age": {"type": "integer"}}, "required": ["age"], "title": "b"},
        ],
    }
    merged = walk.merge_all_of(schema, refs)
    assert merged == {
        "type": "object",
        "title": "a",  # the schema's own keyword comes first
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
    }
    value = instance_for({**schema, "$defs": refs.target("#/$defs")})
    assert set(value) >= {"name", "age"} and isinstance(value["age"], int)


def test_a_discriminated_branch_carries_the_value_that_names_it() -> None:
    refs = Refs(PETS)
    assert walk.branch(PETS, 0, refs)["properties"]["kind"] == {"type": "string", "const": "cat"}
    # No mapping entry: the definition's own name, as OpenAPI names branches.
    assert walk.branch(PETS, 1, refs)["properties"]["kind"]["const"] == "Dog"
    # A branch that already fixes the property keeps it.
    assert walk.branch(PETS, 2, refs)["properties"]["kind"] == {"const": "bird"}
    assert walk.branch(PETS, 4, refs)["properties"]["kind"]["const"] == "Dog"  # modulo the count


def test_a_discriminated_branch_keeps_a_nullable_const_of_its_own() -> None:
    nullable = {"anyOf": [{"const": "cat"}, {"type": "null"}]}
    pets = {
        "oneOf": [{"$ref": "#/$defs/Cat"}],
        "discriminator": {"propertyName": "kind"},
        "$defs": {
            "Cat": {"type": "object", "properties": {"kind": nullable}, "required": ["kind"]}
        },
    }
    refs = Refs(pets)
    assert walk.branch(pets, 0, refs)["properties"]["kind"] == nullable
    assert instance_for(pets) == {"kind": "cat"}


def test_the_instance_builder_honours_the_discriminator() -> None:
    values = [instance_for(PETS, salt) for salt in ("", "a")]
    assert all(value["kind"] in ("cat", "Dog", "bird") for value in values)
    assert values[0] == {"kind": "cat", "purrs": values[0]["purrs"]}


def test_null_branches_are_set_aside() -> None:
    refs = Refs({"$defs": {"Nothing": {"type": "null"}}})
    schema = {"anyOf": [{"$ref": "#/$defs/Nothing"}, {"type": "string"}]}
    assert walk.non_null_branches(schema, refs) == [{"type": "string"}]


def test_a_union_beside_properties_asks_for_both() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
        "required": ["a"],
        "anyOf": [{"properties": {"b": {"minimum": 3}}, "required": ["b"]}],
    }
    value = instance_for(schema)
    assert jsonschema_rs.validator_for(schema).is_valid(value) and value["b"] >= 3


# -- keyword facts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "facts"),
    [
        ({"minimum": 1, "maximum": 5}, NumberFacts(1, False, 5, False)),
        ({"exclusiveMinimum": 0, "exclusiveMaximum": 1}, NumberFacts(0, True, 1, True)),
        ({"minimum": 2, "exclusiveMinimum": True}, NumberFacts(2, True)),  # draft 4
        ({"minimum": 2, "exclusiveMinimum": 3}, NumberFacts(3, True)),  # the tighter one
        ({"maximum": 2, "exclusiveMaximum": 2}, NumberFacts(high=2, high_open=True)),
        ({"multipleOf": 0.5}, NumberFacts(step=0.5)),
    ],
)
def test_number_facts_read_bounds_and_step(schema: dict[str, Any], facts: NumberFacts) -> None:
    assert NumberFacts.of(schema) == facts


def test_a_step_that_is_not_a_positive_number_is_refused() -> None:
    for step in (0, -1, "2", True):
        with pytest.raises(ValueError, match="multipleOf"):
            NumberFacts.of({"multipleOf": step})


@pytest.mark.parametrize(
    ("facts", "near", "found"),
    [
        (NumberFacts(), 1, 1),
        (NumberFacts(low=3, low_open=True, high=4), 1, 3.5),
        (NumberFacts(low=3, low_open=True), 1, 4),
        (NumberFacts(low=10, high=20, step=7), 1, 14),
        (NumberFacts(low=1, high=4, step=5), 1, None),
        (NumberFacts(low=0, low_open=True, high=1, high_open=True), 1, 0.5),
        (NumberFacts(step=0.25).integral(), 1, 1),
        (NumberFacts(step=1.5).integral(), 1, 3),
    ],
)
def test_a_number_is_found_within_the_facts(
    facts: NumberFacts, near: float, found: float | None
) -> None:
    assert walk.number_within(facts, near) == found


def test_string_facts_read_lengths_pattern_and_format() -> None:
    facts = walk.StringFacts.of(
        {
            "minLength": 4,
            "maxLength": 6,
            "pattern": "^a+$",
            "format": "date",
            "contentEncoding": "base64",
        }
    )
    assert facts == walk.StringFacts(4, 6, "^a+$", "date", "base64")
    assert facts.example == "2025-01-01"
    assert (facts.fit("ab"), facts.fit("abcdefgh")) == ("abxx", "abcdef")
    assert walk.StringFacts.of({"format": "no-such-format"}).example is None


def test_array_and_object_facts() -> None:
    array = walk.ArrayFacts.of(
        {
            "minItems": 2,
            "maxItems": 3,
            "uniqueItems": True,
            "prefixItems": [{"const": 1}],
            "items": {"type": "string"},
        }
    )
    assert (array.min_items, array.max_items, array.unique) == (2, 3, True)
    assert (array.item(0), array.item(5)) == ({"const": 1}, {"type": "string"})
    obj = walk.ObjectFacts.of(
        {
            "properties": {"a": {}},
            "required": ["a"],
            "additionalProperties": False,
            "minProperties": 1,
            "maxProperties": 2,
        }
    )
    assert obj == walk.ObjectFacts({"a": {}}, ("a",), False, 1, 2)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "additionalProperties": {"type": "integer"}, "minProperties": 2},
        {
            "type": "object",
            "properties": {
                "a": {"type": "string"},
                "b": {"type": "string"},
                "c": {"type": "string"},
            },
            "required": ["c"],
            "maxProperties": 1,
        },
        {"type": "array", "prefixItems": [{"const": "x"}, {"type": "integer"}], "minItems": 2},
        {"type": "number", "nullable": True, "minimum": 2, "exclusiveMaximum": 3},
    ],
)
def test_the_instance_builder_honours_every_keyword(schema: dict[str, Any]) -> None:
    plain = {k: v for k, v in schema.items() if k != "nullable"}
    validator = jsonschema_rs.validator_for(plain)
    for salt in ("", "a", "b"):
        assert validator.is_valid(instance_for(schema, salt)), schema


# -- the producers ------------------------------------------------------------------------------


def _schema_keys_read(tree: ast.AST) -> set[str]:
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def _resolves_outside_the_walk(tree: ast.AST) -> set[str]:
    """Calls of a ``resolve`` that is not a walk.Refs' (a bundle's own resolver was the old
    second way in)."""
    return {
        ast.unparse(node.func)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "resolve"
        and "refs" not in ast.unparse(node.func.value)
        and ast.unparse(node.func.value) != "self"
    }


@pytest.mark.parametrize("module", READERS, ids=lambda p: p.name)
def test_schema_readers_resolve_through_the_walk(module: Path) -> None:
    calls = _resolves_outside_the_walk(ast.parse(module.read_text()))
    assert not calls, f"{module.name} resolves references without walk.Refs: {calls}"


def test_the_bundle_resolves_through_the_walk() -> None:
    bundle = load_bundle()
    ref = {"$ref": "#/$defs/ChatCompletionRequestMessage"}
    assert bundle.resolve(ref) is bundle.refs.resolve(ref)
    assert bundle.refs.resolve(ref) is bundle.schemas["ChatCompletionRequestMessage"]


@pytest.mark.parametrize("module", PRODUCERS, ids=lambda p: p.name)
def test_producers_leave_references_to_the_shared_walk(module: Path) -> None:
    tree = ast.parse(module.read_text())
    read = _schema_keys_read(tree)
    assert "$ref" not in read, f"{module.name} reads '$ref' itself"
    assert not read & {"anyOf", "oneOf", "allOf", "discriminator", "nullable"}, module.name
    bundle_calls = _resolves_outside_the_walk(tree)
    assert not bundle_calls, f"{module.name} resolves references without walk.Refs: {bundle_calls}"
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "oai_mock.spec.walk"
        for alias in node.names
    }
    assert "kind" in imported, f"{module.name} does not read schemas through the walk"


@pytest.mark.parametrize(
    "op_id",
    [
        "createEmbedding",
        "createMessage",
        "createEval",
        "createImageEdit",
        "createVectorStoreFileBatch",
        "createModeration",
    ],
)
def test_operation_bodies_are_valid_across_the_spec(op_id: str) -> None:
    bundle = load_bundle()
    checker = SchemaChecker(bundle)
    schema = bundle.operation(op_id).body.schemas["application/json"]  # type: ignore[union-attr]

    @settings(
        max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(strategies.operation_body(op_id))
    def body_is_valid(body: Any) -> None:
        assert checker.is_valid(body, schema), checker.check(body, schema)

    body_is_valid()


@settings(max_examples=30, deadline=None, database=None)
@given(
    st.sampled_from(
        [
            {"type": "integer", "multipleOf": 3, "minimum": 4, "exclusiveMaximum": 12},
            {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
            {"type": "number", "multipleOf": 0.25, "minimum": -1, "maximum": 1},
            {"type": "string", "pattern": "^[a-z]{2}-[0-9]{3}$", "maxLength": 6},
            {"type": "string", "format": "date-time"},
            {"type": "array", "items": {"enum": [1, 2, 3]}, "minItems": 2, "uniqueItems": True},
        ]
    ).flatmap(lambda schema: st.tuples(st.just(schema), strategies.schema_value(schema)))
)
def test_contract_values_keep_every_keyword(drawn: tuple[dict[str, Any], Any]) -> None:
    schema, value = drawn
    assert jsonschema_rs.validator_for(schema, validate_formats=True).is_valid(value), drawn
