"""One ``APIRouter`` per file; :data:`workspace.api.main.api_router` gathers them."""
