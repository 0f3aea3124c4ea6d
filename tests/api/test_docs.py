"""The OpenAPI 3.1 schema at /api/v1/openapi.json and the docs page at /api/docs."""

from __future__ import annotations

import re

from django.test import Client

from sparekey.middleware import CONTENT_SECURITY_POLICY


def test_the_schema_is_openapi_3_1_generated_from_the_code(db: None) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    assert schema["info"]["title"] == "Sparekey API"
    assert "/api/v1/accounts/{id}/backup-codes/claim" in schema["paths"]
    claim = schema["paths"]["/api/v1/accounts/{id}/backup-codes/claim"]["post"]
    assert claim["security"] == [{"TokenAuth": ["use"]}]
    assert "`use` scope" in claim["description"]
    assert "an Owner of the account" in claim["description"]
    assert set(claim["responses"]) >= {"200", "401", "403", "404", "409", "429"}
    bearer = schema["components"]["securitySchemes"]["TokenAuth"]
    assert (bearer["type"], bearer["scheme"]) == ("http", "bearer")


def test_the_schema_needs_no_token(db: None) -> None:
    assert Client().get("/api/v1/openapi.json").status_code == 200


def test_the_docs_page_runs_only_our_own_static_files(db: None) -> None:
    client = Client()
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    page = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.DOTALL)
    assert scripts
    for attributes, body in scripts:
        assert body.strip() == "", "inline script would be blocked by script-src 'self'"
        source = re.search(r'src="([^"]+)"', attributes)
        assert source and source.group(1).startswith("/static/")
    assert "<style" not in page and "style=" not in page
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    assert len(assets) >= 3
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    assert 'data-openapi-url="/api/v1/openapi.json"' in page
