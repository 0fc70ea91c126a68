"""The API's theme routes: the themes with their trends, one theme, and the 2-D map.

Registered on an app by `search.service.app.create_app`, like `search.service.routes`.
"""

from typing import Annotated

from fastapi import FastAPI, Path, Query

from search.models import MapResponse, ThemeDetail, ThemeList
from search.retrieval import themes
from search.service.deps import SearcherDep


def add_theme_routes(app: FastAPI) -> None:
    @app.get("/api/themes", response_model=ThemeList)
    def theme_list(
        searcher: SearcherDep,
        sort: Annotated[themes.ThemeOrder, Query(
            description="papers: largest first; growth_3m / growth_6m: fastest growing first "
                        "(share of the library's papers, last 3 or 6 months up to the newest "
                        "paper vs the months before)")] = "papers",
    ) -> ThemeList:
        """Lines of work learned from the papers, with papers per month, growth and
        representative papers; names also with glossary translations (`name_zh`)."""
        return themes.theme_list(searcher.refresh(), sort)

    @app.get("/api/themes/{theme_id}", response_model=ThemeDetail,
             responses={404: {"description": "No theme with that number."}})
    def theme(searcher: SearcherDep,
              theme_id: Annotated[int, Path(ge=0, description="A theme's number")]) -> ThemeDetail:
        """One theme with its trend and all its papers, most central first."""
        return themes.theme_detail(searcher.refresh(), theme_id)

    @app.get("/api/map", response_model=MapResponse)
    def paper_map(searcher: SearcherDep) -> MapResponse:
        """Every paper's position on the 2-D map of the library, its theme and date."""
        return themes.map_points(searcher.refresh())
