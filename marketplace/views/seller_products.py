"""Seller pages for products: list, create, edit, copy, publish/hide, stock and photos."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from catalog import fields, regions
from catalog import services as catalog
from catalog.images import UploadRejected, process_image
from catalog.models import Product, ProductStatus
from catalog.storage import save_image
from marketplace.extensions import db_session
from marketplace.i18n import current_language
from marketplace.media import get_storage
from marketplace.security import safe_next
from marketplace.stalls import dashboard as board
from marketplace.stalls import selling
from marketplace.stalls.models import StaffRole, Stall
from marketplace.views.messages import field_error, upload_error
from marketplace.views.seller import actor, bp, status_for
from marketplace.views.seller_common import staff_stall
from marketplace.views.seller_fields import opts, show_error
from marketplace.views.seller_forms import (
    UNIT_SUGGESTIONS,
    DuplicateForm,
    PhotosForm,
    ProductForm,
    StockForm,
)

MAX_PHOTOS = 12


def _product(stall: Stall, product_id: int) -> Product:
    """Return the stall's product, or 404 (another stall's product does not exist here)."""
    product = board.stall_product(db_session(), stall, product_id)
    if product is None:
        abort(404)
    return product


def _product_form(stall: Stall, product: Product | None) -> ProductForm:
    """Build the product form with the category tree, the stall's farms and the provinces."""
    if product is None:
        form = ProductForm(data={"province_code": stall.province_code})
    else:
        form = ProductForm(
            data={
                "sku": product.sku,
                "name": product.name,
                "category_id": product.category_id,
                "price_vnd": str(product.price_vnd),
                "unit": product.unit,
                "gtin": product.gtin or "",
                "farm_id": product.farm_id,
                "province_code": product.province_code,
                "status": product.status.value,
                "description": product.description,
            }
        )
        # Stock changes only through the stock form's conditional update, so saving this
        # page can never overwrite a sale that happened while it was open.
        del form.stock
    english = current_language() == "en"
    categories = [*opts([("", _("Choose…"))])]
    for group, children in board.category_tree(db_session()):
        label = (group.name_en if english and group.name_en else group.name) or group.name
        pairs = [(group.id, _("%(group)s (other)", group=label))]
        pairs += [(c.id, c.name_en if english and c.name_en else c.name) for c in children]
        categories += opts(pairs, optgroup=label)
    form.category_id.choices = categories
    farms = [(f.id, f.name) for f in board.farms_of(db_session(), stall)]
    form.farm_id.choices = opts([("", _("Not set")), *farms])
    form.province_code.choices = opts(regions.province_choices())
    return form


def _save_product(form: ProductForm, stall: Stall, product: Product | None) -> Product | None:
    """Validate and save the form's product; None (with errors on the form) if refused."""
    raw: dict[str, Any] = {
        name: form[name].data
        for name in (
            "sku",
            "name",
            "category_id",
            "price_vnd",
            "unit",
            "gtin",
            "farm_id",
            "province_code",
            "status",
            "description",
        )
    }
    raw["stock"] = form.stock.data if product is None else product.stock
    try:
        data = catalog.product_data(**raw)
        if product is None:
            return selling.create_product(db_session(), actor(), stall, data)
        selling.update_product(db_session(), actor(), stall, product, data)
        return product
    except fields.FieldError as exc:
        show_error(form, exc)
        return None


def _render_form(
    stall: Stall, role: StaffRole, form: ProductForm, product: Product | None
) -> tuple[str, int]:
    """Render the product form (400 when it comes back with errors)."""
    return render_template(
        "seller/product_form.html",
        stall=stall,
        role=role,
        form=form,
        product=product,
        units=UNIT_SUGGESTIONS,
    ), status_for(form)


@bp.route("/<slug>/products")
def products(slug: str) -> str:
    """List the stall's products, 50 a page, with stock, price and status."""
    stall, role = staff_stall(slug, StaffRole.STAFF)
    page = request.args.get("page", 1, type=int) or 1
    return render_template(
        "seller/products.html",
        stall=stall,
        role=role,
        page=board.product_page(db_session(), stall, page),
    )


@bp.route("/<slug>/products/new", methods=["GET", "POST"])
def product_new(slug: str) -> Response | tuple[str, int]:
    """Add a product."""
    stall, role = staff_stall(slug, StaffRole.MANAGER)
    form = _product_form(stall, None)
    if form.validate_on_submit():
        product = _save_product(form, stall, None)
        if product is not None:
            flash(_("The product was added. You can add photos now."), "success")
            return redirect(url_for("seller.product_photos", slug=slug, product_id=product.id))
    return _render_form(stall, role, form, None)


@bp.route("/<slug>/products/<int:product_id>", methods=["GET", "POST"])
def product_edit(slug: str, product_id: int) -> Response | tuple[str, int]:
    """Edit a product."""
    stall, role = staff_stall(slug, StaffRole.MANAGER)
    product = _product(stall, product_id)
    form = _product_form(stall, product)
    if form.validate_on_submit() and _save_product(form, stall, product) is not None:
        flash(_("The product was saved."), "success")
        return redirect(url_for("seller.products", slug=slug))
    return _render_form(stall, role, form, product)


@bp.route("/<slug>/products/<int:product_id>/duplicate", methods=["GET", "POST"])
def product_duplicate(slug: str, product_id: int) -> Response | tuple[str, int]:
    """Copy a product as a draft under a new code."""
    stall, role = staff_stall(slug, StaffRole.MANAGER)
    product = _product(stall, product_id)
    form = DuplicateForm(data={"new_sku": f"{product.sku}-2"[:64]})
    if form.validate_on_submit():
        try:
            copy = selling.duplicate_product(
                db_session(), actor(), stall, product, form.new_sku.data or ""
            )
        except fields.FieldError as exc:
            form.new_sku.errors = [*form.new_sku.errors, field_error(exc)]
        else:
            flash(_("The copy was saved as a draft. Check it, then put it on sale."), "success")
            return redirect(url_for("seller.product_edit", slug=slug, product_id=copy.id))
    page = render_template(
        "seller/product_duplicate.html", stall=stall, role=role, form=form, product=product
    )
    return page, status_for(form)


@bp.route("/<slug>/products/<int:product_id>/status", methods=["POST"])
def product_status(slug: str, product_id: int) -> Response:
    """Publish, hide or return a product to draft."""
    stall, _role = staff_stall(slug, StaffRole.MANAGER)
    product = _product(stall, product_id)
    try:
        status = ProductStatus(request.form.get("status", ""))
    except ValueError:
        abort(400)
    selling.set_status(db_session(), actor(), stall, product, status)
    messages = {
        ProductStatus.ACTIVE: _("“%(name)s” is on sale.", name=product.name),
        ProductStatus.HIDDEN: _("“%(name)s” is hidden from shoppers.", name=product.name),
        ProductStatus.DRAFT: _("“%(name)s” is a draft again.", name=product.name),
    }
    flash(messages[status], "success")
    back = url_for("seller.products", slug=slug)
    return redirect(safe_next(request.form.get("next"), back))


@bp.route("/<slug>/products/<int:product_id>/stock", methods=["GET", "POST"])
def product_stock(slug: str, product_id: int) -> Response | tuple[str, int]:
    """Add to or take from a product's stock (staff may do this)."""
    stall, role = staff_stall(slug, StaffRole.STAFF)
    product = _product(stall, product_id)
    form = StockForm()
    if form.validate_on_submit():
        amount = fields.whole_number("amount", form.amount.data, maximum=fields.MAX_STOCK)
        delta = -amount if request.form.get("direction") == "remove" else amount
        if amount == 0:
            form.amount.errors = [_("Enter a number greater than 0.")]
        else:
            before = product.stock
            new = selling.adjust_stock(db_session(), actor(), stall, product, delta)
            if new is None:
                form.amount.errors = [
                    _(
                        "Only %(stock)d left in stock: you cannot take %(amount)d.",
                        stock=before,
                        amount=amount,
                    )
                ]
            else:
                message = _("Stock of “%(name)s” is now %(stock)d.", name=product.name, stock=new)
                flash(message, "success")
                return redirect(url_for("seller.products", slug=slug))
    page = render_template(
        "seller/product_stock.html", stall=stall, role=role, form=form, product=product
    )
    return page, status_for(form)


@bp.route("/<slug>/products/<int:product_id>/photos", methods=["GET", "POST"])
def product_photos(slug: str, product_id: int) -> Response | tuple[str, int]:
    """Show a product's photos and upload more (all files are checked before any is kept)."""
    stall, role = staff_stall(slug, StaffRole.MANAGER)
    product = _product(stall, product_id)
    form = PhotosForm()
    problems: list[str] = []
    if form.validate_on_submit():
        uploads = [f for f in (form.photos.data or []) if f and f.filename]
        if not uploads:
            problems.append(_("Choose one or more photos first."))
        elif len(product.images) + len(uploads) > MAX_PHOTOS:
            problems.append(_("A product can have at most %(n)d photos.", n=MAX_PHOTOS))
        processed = []
        for upload in uploads if not problems else []:
            try:
                processed.append(process_image(upload.read()))
            except UploadRejected as exc:
                problems.append(f"{upload.filename}: {upload_error(exc.code)}")
        if not problems:
            for image in processed:
                key = save_image(get_storage(), "products", image)
                selling.add_photo(
                    db_session(), actor(), stall, product, key, image.width, image.height
                )
            flash(_("%(n)d photo(s) added.", n=len(processed)), "success")
            return redirect(url_for("seller.product_photos", slug=slug, product_id=product.id))
    page = render_template(
        "seller/product_photos.html",
        stall=stall,
        role=role,
        form=form,
        product=product,
        problems=problems,
    )
    return page, 400 if problems or form.errors else 200


@bp.route("/<slug>/products/<int:product_id>/photos/<int:image_id>/remove", methods=["POST"])
def photo_remove(slug: str, product_id: int, image_id: int) -> Response:
    """Remove a photo from a product."""
    stall, _role = staff_stall(slug, StaffRole.MANAGER)
    product = _product(stall, product_id)
    if not selling.remove_photo(db_session(), actor(), stall, product, image_id):
        abort(404)
    flash(_("The photo was removed."), "success")
    return redirect(url_for("seller.product_photos", slug=slug, product_id=product.id))
