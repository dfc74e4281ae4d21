"""Swagger UI (/docs) and ReDoc (/redoc) served with their JavaScript and CSS from the service itself.

FastAPI's own pages load the assets from a public CDN and render blank on a network without Internet access,
which is where customs systems run. The assets here are the ones the `fastapi-offline` package ships (Swagger UI
5 and ReDoc 2 bundles); each is served under /docs/ at a fixed path, open like the pages themselves.
"""

from importlib import resources
from importlib.resources.abc import Traversable

from fastapi import FastAPI, Request, Response
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.routing import Route

_ASSET_PACKAGE = "fastapi_offline"
_ASSET_MEDIA_TYPES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
ASSET_PREFIX = "/docs/assets/"

#: The asset URLs the documentation pages load; they need no key, like the pages.
ASSET_PATHS = frozenset(ASSET_PREFIX + name for name in _ASSET_MEDIA_TYPES)


def _asset(name: str) -> Traversable:
    return resources.files(_ASSET_PACKAGE).joinpath("static", name)


def install_api_docs(app: FastAPI) -> None:
    """Replace FastAPI's CDN-loading /docs and /redoc by pages whose assets the service serves itself."""
    pages = {app.docs_url, app.redoc_url} - {None}
    app.router.routes[:] = [
        route for route in app.router.routes if not (isinstance(route, Route) and route.path in pages)
    ]
    openapi_url = app.openapi_url or "/openapi.json"

    def asset_url(request: Request, name: str) -> str:
        return f"{request.scope.get('root_path', '')}{ASSET_PREFIX}{name}"

    if app.docs_url is not None:

        @app.get(app.docs_url, include_in_schema=False)
        async def swagger_ui(request: Request) -> Response:
            return get_swagger_ui_html(
                openapi_url=f"{request.scope.get('root_path', '')}{openapi_url}",
                title=f"{app.title} - Swagger UI",
                oauth2_redirect_url=app.swagger_ui_oauth2_redirect_url,
                swagger_js_url=asset_url(request, "swagger-ui-bundle.js"),
                swagger_css_url=asset_url(request, "swagger-ui.css"),
                swagger_favicon_url=asset_url(request, "favicon.png"),
                swagger_ui_parameters=app.swagger_ui_parameters,
            )

    if app.redoc_url is not None:

        @app.get(app.redoc_url, include_in_schema=False)
        async def redoc(request: Request) -> Response:
            return get_redoc_html(
                openapi_url=f"{request.scope.get('root_path', '')}{openapi_url}",
                title=f"{app.title} - ReDoc",
                redoc_js_url=asset_url(request, "redoc.standalone.js"),
                redoc_favicon_url=asset_url(request, "favicon.png"),
                with_google_fonts=False,
            )

    for name, media_type in _ASSET_MEDIA_TYPES.items():
        _add_asset_route(app, name, media_type)


def _add_asset_route(app: FastAPI, name: str, media_type: str) -> None:
    content: list[bytes] = []  # read on first request, then kept

    @app.get(ASSET_PREFIX + name, include_in_schema=False)
    async def asset() -> Response:
        if not content:
            content.append(_asset(name).read_bytes())
        return Response(content[0], media_type=media_type, headers={"Cache-Control": "public, max-age=86400"})
