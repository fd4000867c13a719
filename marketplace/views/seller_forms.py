"""Seller forms; field rules come from catalog.fields so forms, services and imports agree."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import BooleanField, StringField, TextAreaField

from catalog import fields
from catalog.services import clean_gtin
from marketplace.validation import phone_validator
from marketplace.views.seller_fields import (
    Pick,
    date_rule,
    int_or_none,
    opts,
    rule,
    text_rule,
)

UNIT_SUGGESTIONS = ("kg", "quả", "hộp 500g", "chai 500ml", "gói 200g", "bó", "hũ 250g", "túi 1kg")


class StallFields(FlaskForm):
    """A stall's profile, shared by the application and the profile page."""

    name = StringField(_l("Stall name"), validators=[text_rule(120, required=True)])
    kind = Pick(
        _l("Who sells"),
        choices=opts(
            [
                ("household", _l("Household or farm")),
                ("cooperative", _l("Cooperative (HTX)")),
                ("enterprise", _l("Enterprise")),
            ]
        ),
    )
    province_code = Pick(
        _l("Province or city"),
        coerce=int_or_none,
        message=_l("Choose a province or city from the list."),
    )
    ward_code = Pick(
        _l("Ward or commune"),
        coerce=int_or_none,
        message=_l("Choose a ward or commune of the chosen province."),
    )
    address_line = StringField(_l("Street address or village"), validators=[text_rule(200)])
    phone = StringField(
        _l("Contact phone"),
        validators=[text_rule(30, required=True), phone_validator],
        render_kw={"inputmode": "tel", "type": "tel"},
    )
    registration_no = StringField(
        _l("Business or cooperative registration number (optional)"),
        validators=[text_rule(40)],
    )
    description = TextAreaField(
        _l("Your story"), validators=[text_rule(5000)], render_kw={"rows": 6}
    )


class ApplyForm(StallFields):
    """Apply for a stall."""

    slug = StringField(
        _l("Web address of the stall"),
        validators=[rule(lambda value: fields.slug(value) if (value or "").strip() else None)],
        render_kw={"autocapitalize": "none", "spellcheck": "false"},
    )


class ProfileForm(StallFields):
    """Edit a stall's profile, logo and banner."""

    logo = FileField(_l("Logo (optional)"), render_kw={"accept": "image/jpeg,image/png,image/webp"})
    banner = FileField(
        _l("Banner (optional)"), render_kw={"accept": "image/jpeg,image/png,image/webp"}
    )


class ProductForm(FlaskForm):
    """Create or edit a product."""

    sku = StringField(
        _l("Product code (SKU)"),
        validators=[rule(fields.sku)],
        render_kw={"autocapitalize": "characters", "spellcheck": "false"},
    )
    name = StringField(_l("Product name"), validators=[text_rule(200, required=True)])
    category_id = Pick(
        _l("Category"), coerce=int_or_none, message=_l("Choose a category from the list.")
    )
    price_vnd = StringField(
        _l("Price (đồng)"), validators=[rule(fields.price_vnd)], render_kw={"inputmode": "numeric"}
    )
    unit = StringField(
        _l("Unit"),
        validators=[text_rule(40, required=True)],
        render_kw={"list": "unit-suggestions"},
    )
    stock = StringField(
        _l("In stock"),
        default="0",
        validators=[rule(fields.stock)],
        render_kw={"inputmode": "numeric"},
    )
    gtin = StringField(
        _l("Barcode (GTIN, optional)"),
        validators=[rule(clean_gtin)],
        render_kw={"inputmode": "numeric"},
    )
    farm_id = Pick(_l("Grown by (member farm)"), coerce=int_or_none, required=False)
    province_code = Pick(
        _l("Province of origin"),
        coerce=int_or_none,
        message=_l("Choose a province or city from the list."),
    )
    status = Pick(
        _l("Status"),
        choices=opts(
            [
                ("draft", _l("Draft (only you can see it)")),
                ("active", _l("On sale")),
                ("hidden", _l("Hidden")),
            ]
        ),
        default="draft",
    )
    description = TextAreaField(
        _l("Description"), validators=[text_rule(20_000)], render_kw={"rows": 6}
    )


class DuplicateForm(FlaskForm):
    """Copy a product under a new code."""

    new_sku = StringField(_l("Code of the copy (SKU)"), validators=[rule(fields.sku)])


class StockForm(FlaskForm):
    """Add to or take from a product's stock."""

    amount = StringField(
        _l("How many"),
        validators=[rule(lambda v: fields.whole_number("amount", v, maximum=fields.MAX_STOCK))],
        render_kw={"inputmode": "numeric"},
    )


class PhotosForm(FlaskForm):
    """Upload one or several product photos."""

    photos = MultipleFileField(
        _l("Photos"), render_kw={"accept": "image/jpeg,image/png,image/webp"}
    )


class CertificateForm(FlaskForm):
    """Fields every certificate has."""

    number = StringField(_l("Certificate number"), validators=[text_rule(80, required=True)])
    issuer = StringField(_l("Issued by"), validators=[text_rule(200, required=True)])
    issued_on = StringField(_l("Date of issue"), validators=[date_rule], render_kw={"type": "date"})
    valid_until = StringField(_l("Valid until"), validators=[date_rule], render_kw={"type": "date"})
    document = FileField(
        _l("Scan of the certificate"),
        render_kw={"accept": "application/pdf,image/jpeg,image/png,image/webp"},
    )


class OcopForm(CertificateForm):
    """An OCOP star rating of one product."""

    product_id = Pick(_l("Product"), coerce=int_or_none, message=_l("Choose one of your products."))
    stars = Pick(
        _l("OCOP stars"),
        coerce=int_or_none,
        choices=opts([(3, "3 ★"), (4, "4 ★"), (5, "5 ★")]),
        message=_l("OCOP stars are 3, 4 or 5."),
    )
    number = StringField(_l("Decision number"), validators=[text_rule(80, required=True)])
    issuer = StringField(_l("Issuing authority"), validators=[text_rule(200, required=True)])
    issued_on = StringField(_l("Decision date"), validators=[date_rule], render_kw={"type": "date"})
    valid_until = StringField(
        _l("Valid until (empty: 36 months after the decision)"),
        validators=[date_rule],
        render_kw={"type": "date"},
    )


class StandardForm(CertificateForm):
    """A VietGAP, GlobalGAP or organic certificate of a product or the whole stall."""

    kind = Pick(
        _l("Kind"),
        choices=opts(
            [
                ("vietgap", "VietGAP"),
                ("globalgap", "GlobalGAP"),
                ("organic", _l("Organic")),
            ]
        ),
    )
    product_id = Pick(
        _l("Product"),
        coerce=int_or_none,
        required=False,
        message=_l("Choose one of your products."),
    )
    scope = TextAreaField(
        _l("Scope (products, area)"), validators=[text_rule(2000)], render_kw={"rows": 3}
    )


class MemberForm(FlaskForm):
    """Add a member farm or household of the stall."""

    name = StringField(_l("Name of the farm or household"), validators=[text_rule(160, True)])
    kind = Pick(
        _l("Kind"),
        choices=opts(
            [
                ("member", _l("Cooperative member")),
                ("farm", _l("Farm")),
                ("household", _l("Household")),
            ]
        ),
    )
    province_code = Pick(
        _l("Province or city"),
        coerce=int_or_none,
        required=False,
        message=_l("Choose a province or city from the list."),
    )
    ward_code = Pick(
        _l("Ward or commune"),
        coerce=int_or_none,
        required=False,
        message=_l("Choose a ward or commune of the chosen province."),
    )
    area_m2 = StringField(
        _l("Area in m² (optional)"),
        validators=[rule(lambda v: fields.whole_number("area", v, maximum=10**9) if v else None)],
        render_kw={"inputmode": "numeric"},
    )
    standard = StringField(
        _l("Growing standard (e.g. VietGAP, organic)"), validators=[text_rule(120)]
    )
    representative = StringField(_l("Representative (optional)"), validators=[text_rule(120)])
    phone = StringField(
        _l("Phone (optional)"),
        validators=[phone_validator],
        render_kw={"inputmode": "tel", "type": "tel"},
    )
    share_contact = BooleanField(_l("Show the representative and phone publicly"))


class StaffForm(FlaskForm):
    """Give an existing account a role in the stall."""

    email = StringField(
        _l("Email of their account"),
        validators=[text_rule(254, required=True)],
        render_kw={"type": "email", "autocomplete": "off"},
    )
    role = Pick(
        _l("Role"),
        choices=opts(
            [
                ("staff", _l("Staff: sees products, changes stock")),
                ("manager", _l("Manager: products, certificates, members")),
                ("owner", _l("Owner: everything, including people")),
            ]
        ),
        default="staff",
    )
