"""GraphQL documents and helpers shared by the sourcing tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from graphql_schema.ids import to_global_id
from procurement.db import Database
from tests.helpers import Api, Org, db_id

RFQ_FIELDS = """
  id number title status visibility sealed currency version deadline needBy
  externalReference pricesSealed quoteCount alreadyQuoted
  category { code }
  deliveryAddress { line1 city postalCode country }
  evaluationWeights { price leadTime coverage supplierScore }
  lines { id position description quantity unit targetUnitPrice { amount currency }
          specifications { key value } }
  invitations { supplier { name } }
  createdBy { email }
"""

RFQ_CREATE = f"""
mutation Create($input: RfqCreateInput!) {{
  rfqCreate(input: $input) {{ rfq {{ {RFQ_FIELDS} }} errors {{ field code message }} }}
}}
"""

RFQ_UPDATE = f"""
mutation Update($input: RfqUpdateInput!) {{
  rfqUpdate(input: $input) {{ rfq {{ {RFQ_FIELDS} }} errors {{ field code message }} }}
}}
"""


def rfq_action(name: str, input_type: str = "RfqActionInput") -> str:
    return f"""
mutation Act($input: {input_type}!) {{
  {name}(input: $input) {{ rfq {{ id status version deadline }} errors {{ field code message }} }}
}}
"""


RFQ_PUBLISH = rfq_action("rfqPublish")
RFQ_CLOSE = rfq_action("rfqClose")
RFQ_CANCEL = rfq_action("rfqCancel", "RfqCancelInput")
RFQ_EXTEND = rfq_action("rfqExtendDeadline", "RfqExtendDeadlineInput")
RFQ_INVITE = rfq_action("rfqInviteSuppliers", "RfqInviteSuppliersInput")
RFQ_UNINVITE = rfq_action("rfqUninviteSupplier", "RfqUninviteSupplierInput")

QUOTE_FIELDS = """
  id status revision currency validUntil incoterm leadTimeDays pricesSealed version
  shippingCost { amount currency } total { amount currency }
  supplier { name }
  lines { id quantity moq unitPrice { amount } lineTotal { amount }
          priceBreaks { minQuantity unitPrice { amount } } rfqLine { position } }
  revisions { revision total { amount } lines { unitPrice { amount } } }
"""


def quote_mutation(name: str, input_type: str) -> str:
    return f"""
mutation Q($input: {input_type}!) {{
  {name}(input: $input) {{ quote {{ {QUOTE_FIELDS} }} errors {{ field code message }} }}
}}
"""


QUOTE_CREATE = quote_mutation("quoteCreate", "QuoteCreateInput")
QUOTE_UPDATE = quote_mutation("quoteUpdate", "QuoteUpdateInput")
QUOTE_SUBMIT = quote_mutation("quoteSubmit", "QuoteSubmitInput")
QUOTE_REVISE = quote_mutation("quoteRevise", "QuoteUpdateInput")
QUOTE_WITHDRAW = quote_mutation("quoteWithdraw", "QuoteWithdrawInput")

FEED = """
query Feed($filter: RfqFeedFilter, $first: Int) {
  rfqFeed(filter: $filter, first: $first) {
    totalCount
    edges { node { id title status alreadyQuoted invitations { supplier { name } }
                   createdBy { email } quoteCount externalReference } }
  }
}
"""

RFQ_QUOTES = f"""
query RfqQuotes($id: ID!) {{
  rfq(id: $id) {{ id status pricesSealed quoteCount
    quotes {{ totalCount edges {{ node {{ {QUOTE_FIELDS} }} }} }} }}
}}
"""

ASK = """
mutation Ask($input: RfqQuestionAskInput!) {
  rfqQuestionAsk(input: $input) { question { id question answer mine } errors { field code } }
}
"""
ANSWER = """
mutation Answer($input: RfqQuestionAnswerInput!) {
  rfqQuestionAnswer(input: $input) { question { id answer askedBy { name } } errors { code } }
}
"""
QUESTIONS = """
query Questions($id: ID!) {
  rfq(id: $id) { questions { question answer mine askedBy { name } } }
}
"""


def in_future(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


async def pass_deadline(db: Database, rfq_id: str) -> None:
    """Move the RFQ's deadline a second into the database's past, as if it had passed:
    the rules judge by the database clock, so this is the deadline passing, without a
    test sleeping until it does.  The stored status stays OPEN (no sweep ran)."""
    async with db.transaction() as s:
        await s.execute(
            text("UPDATE rfq SET deadline = now() - interval '1 second' WHERE id = :id"),
            {"id": db_id(rfq_id)},
        )


def rfq_input(category_gid: str | None, **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "title": "M8 hex bolts, zinc plated",
        "description": "DIN 933, 8.8",
        "categoryId": category_gid,
        "currency": "EUR",
        "deliveryAddress": {
            "line1": "Hafenstrasse 1",
            "city": "Hamburg",
            "postalCode": "20457",
            "country": "DE",
        },
        "needBy": (datetime.now(UTC) + timedelta(days=60)).date().isoformat(),
        "deadline": in_future(days=7),
        "lines": [
            {
                "description": "M8x30 bolt",
                "quantity": "10000",
                "unit": "EA",
                "targetUnitPrice": "0.05",
                "specifications": [{"key": "Standard", "value": "DIN 933"}],
            },
            {"description": "M8 nut", "quantity": "10000", "unit": "ea"},
        ],
    }
    return {**base, **over}


def quote_input(rfq: dict[str, Any], **over: Any) -> dict[str, Any]:
    lines = rfq["lines"]
    base: dict[str, Any] = {
        "rfqId": rfq["id"],
        "currency": "EUR",
        "validUntil": (datetime.now(UTC) + timedelta(days=30)).date().isoformat(),
        "incoterm": "DAP",
        "paymentTerms": "30 days net",
        "leadTimeDays": 21,
        "shippingCost": "150.00",
        "lines": [
            {
                "rfqLineId": lines[0]["id"],
                "unitPrice": "0.045",
                "quantity": "10000",
                "moq": "5000",
                "priceBreaks": [{"minQuantity": "20000", "unitPrice": "0.040"}],
            },
            {"rfqLineId": lines[1]["id"], "unitPrice": "0.02", "quantity": "8000"},
        ],
    }
    return {**base, **over}


class Market:
    """A buyer, suppliers in a category, and a published RFQ factory."""

    def __init__(self, api: Api) -> None:
        self.api = api

    async def setup(self) -> Market:
        api = self.api
        self.segment = await api.category("31000000", "Manufacturing Components")
        self.family = await api.category("31160000", "Hardware", parent="31000000")
        self.other = await api.category("43000000", "IT")
        self.category_gid = to_global_id("Category", self.family.id or 0)
        self.buyer: Org = await api.org(
            "Northwind",
            buyer=True,
            users={"admin": ["ORG_ADMIN"], "buyer": ["BUYER"], "viewer": ["VIEWER"]},
        )
        self.other_buyer: Org = await api.org("Other Buyer", buyer=True, users={"buyer": ["BUYER"]})
        self.supplier: Org = await api.org(
            "Bolt Supplier",
            supplier=True,
            users={"sales": ["SUPPLIER_SALES"], "admin": ["ORG_ADMIN"]},
            category_codes=["31000000"],
        )
        self.rival: Org = await api.org(
            "Rival Supplier",
            supplier=True,
            users={"sales": ["SUPPLIER_SALES"]},
            category_codes=["31160000"],
        )
        self.it_supplier: Org = await api.org(
            "IT Supplier",
            supplier=True,
            users={"sales": ["SUPPLIER_SALES"]},
            category_codes=["43000000"],
        )
        from procurement.parties.models import VerificationStatus

        self.pending: Org = await api.org(
            "Pending Supplier",
            supplier=True,
            status=VerificationStatus.PENDING,
            users={"sales": ["SUPPLIER_SALES"]},
            category_codes=["31000000"],
        )
        return self

    @property
    def buyer_token(self) -> str:
        return self.buyer.users["buyer"].token

    async def rfq(self, publish: bool = True, **over: Any) -> dict[str, Any]:
        p = await self.api.mutate(
            RFQ_CREATE, rfq_input(self.category_gid, **over), self.buyer_token
        )
        assert p["errors"] == [], p["errors"]
        rfq: dict[str, Any] = p["rfq"]
        if publish:
            if over.get("visibility") == "INVITED":
                return rfq
            pub = await self.api.mutate(RFQ_PUBLISH, {"id": rfq["id"]}, self.buyer_token)
            assert pub["errors"] == [], pub["errors"]
            rfq["status"] = pub["rfq"]["status"]
        return rfq

    async def quote(
        self, rfq: dict[str, Any], org: Org | None = None, **over: Any
    ) -> dict[str, Any]:
        org = org or self.supplier
        p = await self.api.mutate(QUOTE_SUBMIT, quote_input(rfq, **over), org.users["sales"].token)
        assert p["errors"] == [], p["errors"]
        return p["quote"]  # type: ignore[no-any-return]
