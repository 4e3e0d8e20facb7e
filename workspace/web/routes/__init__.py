"""One ``APIRouter`` of pages per file; :data:`workspace.web.main.web_router` gathers them."""
