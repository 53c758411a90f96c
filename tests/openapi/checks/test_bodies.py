"""Form and multipart request bodies through the real loader: the cases the conformance run found.

Each spec is a small inline copy of the corpus operation that failed (petstore v2 ``uploadImage``, meshery
``adapter/manage``, Stripe's deep form bodies); the bodies are the bytes schemathesis sent.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from mockingbird.http.app import MockApp
from mockingbird.http.server import ThreadedServer
from mockingbird.openapi.checks.validation import RequestParts, RequestValidator, ValidationResult
from mockingbird.openapi.loading import load_spec
from mockingbird.openapi.model import Spec

UPLOAD_V2 = """
swagger: "2.0"
info: {title: Pets, version: "1"}
paths:
  /pet/{petId}/uploadImage:
    post:
      consumes: [multipart/form-data]
      produces: [application/json]
      parameters:
        - {name: petId, in: path, required: true, type: integer, format: int64}
        - {name: additionalMetadata, in: formData, required: false, type: string}
        - {name: file, in: formData, required: false, type: file}
      responses: {"200": {description: ok, schema: {type: object, properties: {code: {type: integer}}}}}
  /pet/{petId}/form:
    post:
      consumes: [multipart/form-data]
      parameters:
        - {name: petId, in: path, required: true, type: integer}
        - {name: name, in: formData, required: true, type: string}
      responses: {"200": {description: ok}}
"""

MESHERY = """
openapi: 3.0.3
info: {title: Meshery, version: "1"}
paths:
  /api/system/adapter/manage:
    post:
      requestBody:
        content:
          application/json: {schema: {type: string}}
          multipart/form-data: {schema: {type: string}}
          application/x-www-form-urlencoded: {schema: {type: string, maxLength: 3}}
      responses: {"200": {description: ok}}
"""

STRIPE = """
openapi: 3.0.0
info: {title: Stripe, version: "1"}
paths:
  /v1/readers/{reader}/present_payment_method:
    post:
      parameters:
        - {name: reader, in: path, required: true, schema: {type: string}}
      requestBody:
        required: false
        content:
          application/x-www-form-urlencoded:
            encoding:
              card_present: {explode: true, style: deepObject}
              expand: {explode: true, style: deepObject}
              metadata: {explode: true, style: deepObject}
              items: {explode: true, style: deepObject}
            schema:
              type: object
              additionalProperties: false
              properties:
                amount_tip: {type: integer}
                card_present:
                  type: object
                  properties: {number: {type: string, maxLength: 5000}}
                expand: {type: array, items: {type: string, maxLength: 5000}}
                metadata:
                  anyOf:
                    - {type: object, additionalProperties: {type: string}}
                    - {type: string, enum: [""]}
                items:
                  type: array
                  items:
                    type: object
                    required: [price]
                    properties: {price: {type: string}, quantity: {type: integer}}
                type: {type: string, enum: [card_present, interac_present]}
                discounts:
                  anyOf:
                    - {type: array, items: {type: string, enum: [d1, d2]}}
                    - {type: string, enum: [""]}
      responses: {"200": {description: ok}}
"""

FORM = "application/x-www-form-urlencoded"


def load(tmp_path: Path, text: str) -> Spec:
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    return load_spec(str(path))


def post(spec: Spec, path: str, content_type: str, body: bytes, **path_params: str) -> ValidationResult:
    operation = next(op for op in spec.iter_operations() if op.key == f"POST {path}")
    parts = RequestParts(method="POST", path_params=path_params, content_type=content_type, body=body)
    return RequestValidator(spec).validate(operation, parts)


def errors(result: ValidationResult) -> list[tuple[str, str, int]]:
    return [(v.location, v.code, v.status) for v in result.violations]


# -- multipart ------------------------------------------------------------------------------------------------


def test_empty_multipart_form_is_valid_when_no_field_is_required(tmp_path: Path) -> None:
    spec = load(tmp_path, UPLOAD_V2)
    result = post(
        spec, "/pet/{petId}/uploadImage", "multipart/form-data; boundary=646f5d", b"--646f5d--\r\n", petId="1"
    )
    assert result.ok, errors(result)
    assert result.body == {}


def test_multipart_with_one_empty_part_is_an_empty_form(tmp_path: Path) -> None:
    spec = load(tmp_path, UPLOAD_V2)
    result = post(
        spec,
        "/pet/{petId}/uploadImage",
        "multipart/form-data; boundary=d1aa",
        b"--d1aa\r\n--d1aa--\r\n",
        petId="1",
    )
    assert result.ok, errors(result)


def test_empty_multipart_form_still_reports_a_missing_required_field(tmp_path: Path) -> None:
    spec = load(tmp_path, UPLOAD_V2)
    result = post(spec, "/pet/{petId}/form", "multipart/form-data; boundary=b", b"--b--\r\n", petId="1")
    assert errors(result) == [("body/name", "missing", 422)]


def test_multipart_with_a_wrong_boundary_is_still_malformed(tmp_path: Path) -> None:
    spec = load(tmp_path, UPLOAD_V2)
    body = b'--other\r\nContent-Disposition: form-data; name="additionalMetadata"\r\n\r\nx\r\n--other--\r\n'
    result = post(spec, "/pet/{petId}/uploadImage", "multipart/form-data; boundary=b", body, petId="1")
    assert errors(result) == [("body", "malformed_body", 400)]


def test_multipart_fields_are_still_decoded_and_checked(tmp_path: Path) -> None:
    spec = load(tmp_path, UPLOAD_V2)
    body = (
        b'--b\r\nContent-Disposition: form-data; name="additionalMetadata"\r\n\r\n&\r\n'
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.zip"\r\n\r\nPK\x03\x04\r\n--b--\r\n'
    )
    result = post(spec, "/pet/{petId}/uploadImage", "multipart/form-data; boundary=b", body, petId="24")
    assert result.ok, errors(result)
    assert result.body == {"additionalMetadata": "&", "file": "PK\x03\x04"}


def test_multipart_with_a_non_object_schema_is_opaque(tmp_path: Path) -> None:
    spec = load(tmp_path, MESHERY)
    for body in (b"--d1aa\r\n--d1aa--\r\n", b"--d1aa\r\nsome text--d1aa--\r\n"):  # what schemathesis sends
        result = post(spec, "/api/system/adapter/manage", "multipart/form-data; boundary=d1aa", body)
        assert result.ok, errors(result)
        assert result.body == body


def test_urlencoded_with_a_string_schema_is_judged_as_one_string(tmp_path: Path) -> None:
    spec = load(tmp_path, MESHERY)
    assert post(spec, "/api/system/adapter/manage", FORM, b"a=b").body == "a=b"
    too_long = post(spec, "/api/system/adapter/manage", FORM, b"a=bcd")
    assert errors(too_long) == [("body", "max_length", 422)]


# -- form-urlencoded, Stripe style ----------------------------------------------------------------------------


def stripe(tmp_path: Path, body: bytes) -> ValidationResult:
    return post(
        load(tmp_path, STRIPE), "/v1/readers/{reader}/present_payment_method", FORM, body, reader="r1"
    )


def test_empty_bracket_under_an_object_is_a_property_name(tmp_path: Path) -> None:
    result = stripe(tmp_path, b"expand=ic%C3%87&type=interac_present&card_present%5B%5D=270")
    assert result.ok, errors(result)
    assert result.body == {"expand": ["ic\u00c7"], "type": "interac_present", "card_present": {"": "270"}}


def test_stripe_deep_form_nests_objects_arrays_and_arrays_of_objects(tmp_path: Path) -> None:
    body = (
        b"card_present[number]=4242&expand[]=a&expand[]=b&items[0][price]=p1&items[0][quantity]=2"
        b"&items[1][price]=p2&metadata[order]=42&amount_tip=5"
    )
    result = stripe(tmp_path, body)
    assert result.ok, errors(result)
    assert result.body == {
        "card_present": {"number": "4242"},
        "expand": ["a", "b"],
        "amount_tip": 5,
        "metadata": {"order": "42"},
        "items": [{"price": "p1", "quantity": 2}, {"price": "p2"}],
    }


def test_stripe_deep_form_violations_point_into_the_nesting(tmp_path: Path) -> None:
    result = stripe(tmp_path, b"items[0][quantity]=two&items[1][price]=p&amount_tip=x")
    assert sorted(errors(result)) == [
        ("body/amount_tip", "type", 422),
        ("body/items/0/price", "missing", 422),
        ("body/items/0/quantity", "type", 422),
    ]


def test_deep_object_plain_values_are_kept(tmp_path: Path) -> None:
    unset = stripe(tmp_path, b"metadata=&expand=a&expand=b")  # Stripe's "metadata=" unsets it
    assert unset.ok, errors(unset)
    assert unset.body == {"metadata": "", "expand": ["a", "b"]}
    discounts = stripe(tmp_path, b"discounts=")  # "" unsets; [""] would be invalid
    assert discounts.body == {"discounts": ""}
    assert discounts.ok, errors(discounts)
    listed = stripe(tmp_path, b"discounts=d1&discounts=d2")
    assert listed.ok and listed.body == {"discounts": ["d1", "d2"]}
    mixed = stripe(tmp_path, b"expand=a&expand[]=b")
    assert mixed.body == {"expand": ["a", "b"]}
    lossy = stripe(tmp_path, b"card_present=number&items=price&items=quantity")  # not deepObject: ignored
    assert lossy.ok and lossy.body == {}
    other = stripe(tmp_path, b"metadata=x")  # the plain value may only be the "" branch
    assert errors(other) == [("body/metadata", "any_of", 422)]


def test_odd_bracket_keys_do_not_crash(tmp_path: Path) -> None:
    deep = b"card_present" + b"[a]" * 400 + b"=1"
    for body in (
        b"items[\xc2\xb2][price]=p",
        b"items[" + b"9" * 5000 + b"]=p",
        deep,
        b"items[0]=x&items[0][price]=p",
        b"expand[0][1]=a&expand[]=b",
        b"card_present[=1&card_present]=2&[x]=3",
    ):
        result = stripe(tmp_path, body)
        assert result.status in (None, 422), (body[:40], errors(result))


# -- end to end -----------------------------------------------------------------------------------------------


def test_served_empty_multipart_and_deep_form_are_accepted(tmp_path: Path) -> None:
    with ThreadedServer(MockApp(load(tmp_path, UPLOAD_V2), seed=1)) as url:
        empty = httpx.post(
            f"{url}/pet/1/uploadImage",
            content=b"--646f5d--\r\n",
            headers={"content-type": "multipart/form-data; boundary=646f5d"},
        )
        assert empty.status_code == 200, empty.text
        missing = httpx.post(
            f"{url}/pet/1/form",
            content=b"--b--\r\n",
            headers={"content-type": "multipart/form-data; boundary=b"},
        )
        assert missing.status_code == 422
    (tmp_path / "stripe").mkdir()
    with ThreadedServer(MockApp(load(tmp_path / "stripe", STRIPE), seed=1)) as url:
        ok = httpx.post(
            f"{url}/v1/readers/r1/present_payment_method",
            content=b"card_present%5B%5D=270&items[0][price]=p",
            headers={"content-type": FORM},
        )
        assert ok.status_code == 200, ok.text
        bad = httpx.post(
            f"{url}/v1/readers/r1/present_payment_method",
            content=b"items[0][quantity]=1",
            headers={"content-type": FORM},
        )
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["location"] == "body/items/0/price"


XML_BODY = """
openapi: 3.0.3
info: {title: ec2, version: "1"}
paths:
  /volumes:
    post:
      requestBody:
        required: true
        content:
          text/xml:
            schema:
              type: object
              required: [VolumeId]
              properties: {VolumeId: {type: string, xml: {name: volumeId}}, DryRun: {type: boolean}}
      responses: {"200": {description: ok}}
"""


def test_an_xml_body_with_an_object_schema_is_accepted_as_sent(tmp_path: Path) -> None:
    """XML is not decoded (its schema speaks through the xml object): a valid body is never a 422."""
    spec = load(tmp_path, XML_BODY)
    body = b"<EnableVolumeIORequest><volumeId>vol-1</volumeId></EnableVolumeIORequest>"
    assert post(spec, "/volumes", "text/xml", body).ok
    assert not post(spec, "/volumes", "text/xml", b"").ok  # a required body is still required


FORM_V2 = """
swagger: "2.0"
info: {title: forms, version: "1"}
paths:
  /notes:
    post:
      consumes: [application/x-www-form-urlencoded, multipart/form-data]
      parameters:
        - {name: title, in: formData, type: string, allowEmptyValue: false}
        - {name: memo, in: formData, type: string, allowEmptyValue: true}
        - {name: note, in: formData, type: string}
      responses: {"200": {description: ok}}
"""


def test_an_empty_form_field_is_refused_under_allow_empty_value_false_in_both_encodings(
    tmp_path: Path,
) -> None:
    spec = load(tmp_path, FORM_V2)
    assert post(spec, "/notes", FORM, b"title=a&memo=").ok
    assert post(spec, "/notes", FORM, b"title=a&note=").ok  # nothing said: empty is fine
    assert errors(post(spec, "/notes", FORM, b"title=&memo=x")) == [("body/title", "min_length", 422)]
    multipart = b'--b\r\nContent-Disposition: form-data; name="title"\r\n\r\n\r\n--b--\r\n'
    assert errors(post(spec, "/notes", "multipart/form-data; boundary=b", multipart))[0][0] == "body/title"


UPLOAD_BYTES = """
openapi: 3.0.3
info: {title: reviews, version: "1"}
paths:
  /reviews:
    post:
      requestBody:
        required: true
        content:
          application/octet-stream: {schema: {type: string, format: binary}}
      responses: {"202": {description: accepted}}
"""


def test_an_empty_opaque_body_with_its_content_type_is_an_empty_file(tmp_path: Path) -> None:
    """schemathesis sends b"" as a valid binary string: an empty file, not a missing body."""
    spec = load(tmp_path, UPLOAD_BYTES)
    assert post(spec, "/reviews", "application/octet-stream", b"").ok
    assert errors(post(spec, "/reviews", "", b"")) == [("body", "missing", 400)]
