"""Import every package's models so Alembic and the tests see the whole schema."""

from catalog import models as catalog_models  # noqa: F401
from catalog.search import outbox as search_outbox  # noqa: F401
from marketplace.db import Base
from marketplace.orders import models as order_models  # noqa: F401
from marketplace.stalls import models as stall_models  # noqa: F401
from marketplace.users import models as user_models  # noqa: F401
from payments import models as payment_models  # noqa: F401
from traceability import models as trace_models  # noqa: F401

metadata = Base.metadata
