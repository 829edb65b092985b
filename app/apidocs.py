"""The API's documentation pages, `/docs` (Swagger UI) and `/redoc` (ReDoc), with every asset
served by Nudge itself.

FastAPI's own pages load their scripts, styles and fonts from public CDNs, so they are blank
offline and on networks that block those hosts. `fastapi-offline` ships Swagger UI's bundle and
stylesheet and ReDoc's standalone bundle and keeps them current; Nudge serves that folder under
`/docs-assets` and points both pages at it.
"""

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSETS_PATH = "/docs-assets"
SAME_ORIGIN_ONLY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'"
)
"""The pages' Content-Security-Policy: the browser fetches nothing from elsewhere, not even the
Redocly logo ReDoc's bundle names (its sidebar then shows the words alone). Inline script and
style stay allowed: Swagger UI starts from an inline script, ReDoc writes its styles inline."""


def _same_origin_only(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = SAME_ORIGIN_ONLY
    return page


def install_docs(app: FastAPI) -> None:
    """Serve `/docs`, `/redoc` and their assets; `app` is made with `docs_url=None` and
    `redoc_url=None`, so FastAPI adds no CDN-backed pages of its own."""
    app.mount(ASSETS_PATH, StaticFiles(directory=ASSETS), name="docs-assets")

    def asset(request: Request, name: str) -> str:
        return f"{request.scope.get('root_path', '')}{ASSETS_PATH}/{name}"

    def openapi_url(request: Request) -> str:
        return f"{request.scope.get('root_path', '')}{app.openapi_url}"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=openapi_url(request),
            title=f"{app.title} API",
            swagger_js_url=asset(request, "swagger-ui-bundle.js"),
            swagger_css_url=asset(request, "swagger-ui.css"),
            swagger_favicon_url=asset(request, "favicon.png"),
        )
        return _same_origin_only(page)

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        page = get_redoc_html(
            openapi_url=openapi_url(request),
            title=f"{app.title} API",
            redoc_js_url=asset(request, "redoc.standalone.js"),
            redoc_favicon_url=asset(request, "favicon.png"),
            with_google_fonts=False,
        )
        return _same_origin_only(page)
