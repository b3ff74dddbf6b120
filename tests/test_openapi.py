"""The project's OpenAPI document: valid 3.1, derived from the contract, and the
emulator's answers conform to it."""

from __future__ import annotations

import jsonschema
from openapi_spec_validator import validate
from starlette.testclient import TestClient

from contract.openapi import CREATE_PATH, openapi_document
from contract.terms import PARAMETERS, RESPONSE_FIELDS
from emulator import Store, create_app


def test_document_is_valid_openapi_3_1() -> None:
    validate(openapi_document())


def test_document_is_derived_from_the_contract() -> None:
    doc = openapi_document()
    create = doc["paths"][CREATE_PATH]["post"]
    body = create["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert list(body["properties"]) == [p.name for p in PARAMETERS]
    for p in PARAMETERS:
        assert body["properties"][p.name].get("default") == p.default
        if p.domain and not p.multi:
            assert body["properties"][p.name]["enum"] == list(p.domain)
    recording = doc["components"]["schemas"]["Recording"]
    assert recording["required"] == [f.name for f in RESPONSE_FIELDS]


def _schema(doc: dict, name: str) -> dict:
    return doc["components"]["schemas"][name]  # self-contained: no $ref inside


def test_emulator_answers_conform_to_the_document() -> None:
    doc = openapi_document()
    store = Store()
    account = store.add_account()
    with TestClient(create_app(store)) as api:
        api.auth = (account.sid, account.token)
        base = f"/api/laml/2010-04-01/Accounts/{account.sid}"
        call = api.post(f"{base}/Calls.json", data={"To": "1", "From": "2", "Url": "http://x"})
        created = api.post(
            f"{base}/Calls/{call.json()['sid']}/Recordings.json",
            data={"RecordingChannels": "dual", "Trim": "trim-silence"},
        )
        refused = api.post(
            f"{base}/Calls/{call.json()['sid']}/Recordings.json", data={"Trim": "nope"}
        )
    jsonschema.validate(created.json(), _schema(doc, "Recording"))
    jsonschema.validate(refused.json(), _schema(doc, "Error"))
