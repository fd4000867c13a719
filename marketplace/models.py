"""Import every package's models so Alembic and the tests see the whole schema."""

from marketplace.db import Base
from marketplace.users import models as user_models  # noqa: F401

metadata = Base.metadata
