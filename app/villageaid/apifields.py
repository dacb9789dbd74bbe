"""REST API fields the plugin's column types need.

FAB builds an API's marshmallow schema from the model; an amount
(models.Money) becomes marshmallow's Decimal field, which refuses NaN and
Infinity in English and passes 1e300 on to the database. `MoneySchemaConverter`
gives such columns `MoneyField`, which applies validators.check_money with
its translated messages.
"""
from flask_appbuilder.api.convert import Model2SchemaConverter
from marshmallow import ValidationError, fields

from .models import Money
from .validators import Invalid, check_money, money_text_of


class MoneyField(fields.Decimal):
    """An amount in 万元: a finite number, not negative, in range, exact to
    the fen (at most six decimals); written out as text with two decimals
    ("12.30"), or six when it needs them ("0.035050")."""

    def __init__(self, **kwargs):
        super().__init__(places=None, as_string=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if value is None or value == "":
            return None
        try:
            return check_money(value)
        except Invalid as exc:
            raise ValidationError(str(exc)) from exc

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else money_text_of(value)


class MoneySchemaConverter(Model2SchemaConverter):
    def _column2field(self, datamodel, column, nested=True, parent_schema_name=None):
        attribute = getattr(datamodel.obj, column.name, None)
        if isinstance(getattr(attribute, "type", None), Money) and not column.children:
            nullable = datamodel.is_nullable(column.name)
            return MoneyField(required=not nullable, allow_none=nullable)
        return super()._column2field(datamodel, column, nested=nested, parent_schema_name=parent_schema_name)
