"""The editors' workspace in Django's admin.

Roles (articles/roles.py) are enforced on the server: querysets, has_*_permission, read-only
fields and action permissions, so a forged request gets no further than a button.
"""

# Each module registers its admins.
from ..websub import admin as websub  # noqa: F401
from . import articles, supporting  # noqa: F401
