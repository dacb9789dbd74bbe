"""What the area modules derive from, by concern: the data interface
(interface.py), form fields (forms.py), CRUD views (crud.py) and the REST
API base (api.py)."""
from .api import ScopedModelRestApi
from .crud import SCOPE_FILTER, ScopedModelView
from .interface import ScopedInterface

__all__ = ["SCOPE_FILTER", "ScopedInterface", "ScopedModelRestApi", "ScopedModelView"]
