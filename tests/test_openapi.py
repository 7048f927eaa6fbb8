"""The OpenAPI document: complete, with examples and the key scheme, served at /docs."""

from __future__ import annotations

from httpx import AsyncClient


async def test_openapi_document(client: AsyncClient) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    for path in (
        "/v1/areas",
        "/v1/areas/lookup",
        "/v1/employers",
        "/v1/vacancies",
        "/v1/vacancies/bulk",
        "/v1/vacancies/changes",
        "/v1/vacancies/{vacancy_id}",
    ):
        assert path in doc["paths"], path
    assert doc["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    create = doc["components"]["schemas"]["VacancyCreate"]["properties"]
    assert create["title"]["examples"] == ["Kế toán tổng hợp"]
    problem = doc["components"]["schemas"]["Problem"]
    assert {"type", "title", "status"} <= set(problem["properties"])


async def test_docs_page(client: AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert "swagger" in response.text.lower()
