"""Carts, checkouts (one per payment) and orders (one per stall of a checkout)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, enum_column, utcnow


class Cart(Base):
    """A shopping cart: a guest's (found by a token in the session) or an account's."""

    __tablename__ = "mkt_carts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("mkt_users.id", ondelete="CASCADE"), unique=True
    )
    token: Mapped[str] = mapped_column(String(43), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    items: Mapped[list[CartItem]] = relationship(
        back_populates="cart",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="CartItem.id",
    )


class CartItem(Base):
    """A product and quantity in a cart, with the price the shopper last saw."""

    __tablename__ = "mkt_cart_items"
    __table_args__ = (
        UniqueConstraint("cart_id", "product_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("mkt_carts.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_products.id", ondelete="CASCADE"), index=True
    )
    quantity: Mapped[int] = mapped_column(Integer)
    price_seen_vnd: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    cart: Mapped[Cart] = relationship(back_populates="items")


class PaymentMethod(enum.StrEnum):
    """How a checkout is paid."""

    COD = "cod"
    VIETQR = "vietqr"
    STRIPE = "stripe"


class Checkout(Base):
    """One placement: a buyer, an address, one payment, and one order per stall."""

    __tablename__ = "mkt_checkouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("mkt_users.id", ondelete="SET NULL"))
    # Guests follow their orders through a secret link; only its hash is kept.
    access_hash: Mapped[str] = mapped_column(String(64), unique=True)
    contact_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    province_code: Mapped[int] = mapped_column(Integer)
    ward_code: Mapped[int | None] = mapped_column(Integer)
    street: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    payment_method: Mapped[PaymentMethod] = mapped_column(enum_column(PaymentMethod))
    total_vnd: Mapped[int] = mapped_column(Integer)
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    orders: Mapped[list[Order]] = relationship(
        back_populates="checkout", lazy="selectin", order_by="Order.id"
    )


class OrderStatus(enum.StrEnum):
    """Where a stall's order is in its life."""

    PLACED = "placed"
    CONFIRMED = "confirmed"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class PaymentState(enum.StrEnum):
    """Whether the money for an order has arrived."""

    UNPAID = "unpaid"
    PAID = "paid"
    REFUNDED = "refunded"


class DeliveryOption(enum.StrEnum):
    """How the goods reach the buyer."""

    PICKUP = "pickup"
    DELIVERY = "delivery"


class Order(Base):
    """The part of a checkout that one stall fulfils."""

    __tablename__ = "mkt_orders"
    __table_args__ = (
        Index("ix_mkt_orders_stall_created", "stall_id", "created_at"),
        Index("ix_mkt_orders_status_expires", "status", "expires_at"),
        CheckConstraint("total_vnd >= 0", name="total_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    checkout_id: Mapped[int] = mapped_column(ForeignKey("mkt_checkouts.id", ondelete="CASCADE"))
    stall_id: Mapped[int] = mapped_column(ForeignKey("mkt_stalls.id", ondelete="RESTRICT"))
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[OrderStatus] = mapped_column(
        enum_column(OrderStatus), default=OrderStatus.PLACED
    )
    payment_state: Mapped[PaymentState] = mapped_column(
        enum_column(PaymentState), default=PaymentState.UNPAID
    )
    delivery: Mapped[DeliveryOption] = mapped_column(enum_column(DeliveryOption))
    subtotal_vnd: Mapped[int] = mapped_column(Integer)
    shipping_fee_vnd: Mapped[int] = mapped_column(Integer, default=0)
    total_vnd: Mapped[int] = mapped_column(Integer)
    commission_bp: Mapped[int] = mapped_column(Integer)  # basis points: 500 = 5 %
    commission_vnd: Mapped[int] = mapped_column(Integer)
    carrier: Mapped[str | None] = mapped_column(String(80))
    tracking_number: Mapped[str | None] = mapped_column(String(80))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Money that arrived after the order had ended (expired or cancelled): kept, never lost,
    # until an administrator refunds it.
    late_paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    checkout: Mapped[Checkout] = relationship(back_populates="orders")
    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def awaits_refund(self) -> bool:
        """Tell whether money was received for this ended order and not yet given back."""
        return self.late_paid_at is not None and self.payment_state is PaymentState.PAID


class OrderItem(Base):
    """A line of an order, frozen at the price paid."""

    __tablename__ = "mkt_order_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("mkt_orders.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("catalog_products.id", ondelete="SET NULL")
    )
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40))
    unit_price_vnd: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    line_total_vnd: Mapped[int] = mapped_column(Integer)

    order: Mapped[Order] = relationship(back_populates="items")


class OrderEvent(Base):
    """A change of an order's state: who, when, from what to what."""

    __tablename__ = "mkt_order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("mkt_orders.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("mkt_users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(24))  # status, payment, note
    old: Mapped[str | None] = mapped_column(String(24))
    new: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StallSettings(Base):
    """A stall's delivery options, payment methods and bank account for VietQR."""

    __tablename__ = "mkt_stall_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    stall_id: Mapped[int] = mapped_column(
        ForeignKey("mkt_stalls.id", ondelete="CASCADE"), unique=True
    )
    pickup_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    pickup_address: Mapped[str] = mapped_column(String(200), default="")
    delivery_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    delivery_fee_vnd: Mapped[int] = mapped_column(Integer, default=30000)
    # {"<province code>": fee}: fees that differ from the default, e.g. the home province.
    province_fees: Mapped[dict] = mapped_column(JSON, default=dict)
    free_delivery_over_vnd: Mapped[int | None] = mapped_column(Integer)
    cod_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    bank_bin: Mapped[str | None] = mapped_column(String(6))
    bank_account: Mapped[str | None] = mapped_column(String(19))
    bank_account_name: Mapped[str | None] = mapped_column(String(70))
    commission_bp: Mapped[int] = mapped_column(Integer, default=500)
