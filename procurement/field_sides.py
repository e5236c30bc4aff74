"""Which side of a trade may read which field: the one table every API type answers to.

Rows decide who sees an *object* (``ordering.queries.visible_orders``,
``sourcing.access.visible_rfqs``, ...).  This table decides, for an object a viewer may
see, which of its *fields* they may read: a buyer's approval trail, internal references
and the people behind them are the buyer's; a supplier's organisation settings are its
own.  A field whose audience the viewer is not in reads as null (such fields are
nullable in the schema), whatever asked for it: a query, a node, a payload.

``graphql_schema.field_sides`` enforces it for every field listed here with an audience
other than ``ALL`` (one field extension), and ``tests/test_field_sides.py`` walks the
schema: a field of a listed type without an entry, or a type neither listed nor
declared a wrapper, fails the suite, so every new field is a decision.

Audiences are relative to the object:

- ``BUYER``: the buying organisation (of an order, an RFQ, the RFQ of a quote).
- ``SUPPLIER``: the supplying organisation (of an order, a quote, a listing); on an RFQ
  every other organisation that may see it is a supplier.
- ``MEMBERS``: the organisation the object belongs to (an organisation, its users).
- Platform staff are in every audience.

Decisions worth knowing:

- A supplier reads an order's commercial content (lines, prices, totals, dates,
  address, terms, note, status and its reason, fulfilment) but not how the buyer
  decided on it: no approval trail, approvals required, approval round or approved
  total, no raw revisions (internal ids, the buyer's references, who changed what), no
  buyer's external reference.  What changed after the order reached it is shown to both
  sides as ``PurchaseOrder.changes`` (quantities, prices, totals, need-by date, address;
  ``ordering.changes``).  A rejection's reason is an approver's comment: the status
  reason is withheld from the supplier while the order is back in the buyer's hands
  (``ordering.changes.shared_status_reason``).
- Quote prices of a sealed RFQ are nulled by ``sourcing.sealing`` (a rule of time, not
  of side); the fields are ``ALL`` here and listed in ``SEALED``.
- A user's email, roles, activity and approval limit are their organisation's.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from procurement.viewer import Viewer


class Audience(StrEnum):
    ALL = "ALL"
    BUYER = "BUYER"
    SUPPLIER = "SUPPLIER"
    MEMBERS = "MEMBERS"


@dataclass(frozen=True, slots=True)
class Owners:
    """The organisations an object belongs to.  On a trade object with one side named
    (an RFQ names its buyer, a listing its supplier), every other viewer who may see the
    object is on the other side."""

    buyer: int | None = None
    supplier: int | None = None
    members: int | None = None
    #: shown to its own subject before any viewer exists (the user and organisation a
    #: sign-in or registration returns): every audience
    own: bool = False


def audiences(viewer: Viewer | None, owners: Owners) -> frozenset[Audience]:
    """The audiences ``viewer`` belongs to for an object owned by ``owners``."""
    if owners.own or (viewer is not None and viewer.is_platform_admin):
        return frozenset(Audience)
    if viewer is None:
        return frozenset({Audience.ALL})
    org = viewer.organization_id
    out = {Audience.ALL}
    if owners.members is not None and org == owners.members:
        out.add(Audience.MEMBERS)
    if owners.buyer is not None or owners.supplier is not None:
        if org == owners.buyer or (owners.buyer is None and org != owners.supplier):
            out.add(Audience.BUYER)
        if org == owners.supplier or (owners.supplier is None and org != owners.buyer):
            out.add(Audience.SUPPLIER)
    return frozenset(out)


def may_read(viewer: Viewer | None, owners: Owners, audience: Audience) -> bool:
    return audience is Audience.ALL or audience in audiences(viewer, owners)


def _type(shared: str, **restricted: Audience) -> dict[str, Audience]:
    """A type's fields: ``shared`` (space-separated) are read by all who see the
    object; ``restricted`` name their audience."""
    out = dict.fromkeys(shared.split(), Audience.ALL)
    out.update(restricted)
    return out


B, S, M = Audience.BUYER, Audience.SUPPLIER, Audience.MEMBERS

#: (GraphQL type, field) -> who may read it, by type
FIELD_SIDES: dict[str, dict[str, Audience]] = {
    # ordering
    "PurchaseOrder": _type(
        "id number status currency subtotal shippingCost total needBy incoterm paymentTerms "
        "note version createdAt confirmedDeliveryDate statusReason source deliveryAddress "
        "buyer supplier rfq lines changes shipments receipts invoices returns "
        "availableActions",
        externalReference=B,
        approvalsRequired=B,
        approvalRound=B,
        approvedTotal=B,
        approvals=B,
        revisions=B,
    ),
    "PurchaseOrderLine": _type(
        "id position description unit quantity unitPrice lineTotal quoteLineId rfqLineId "
        "listingId shippedQuantity acceptedQuantity rejectedQuantity invoicedQuantity "
        "returnedQuantity"
    ),
    # reached only through PurchaseOrder.approvals / .revisions (buyer only)
    "ApprovalRecord": _type("round decision comment createdAt approver"),
    "PurchaseOrderRevision": _type("version before after createdAt changedBy"),
    "PurchaseOrderChange": _type("version createdAt fields"),
    "PurchaseOrderFieldChange": _type("field lineId before after"),
    "Shipment": _type("id carrier trackingNumber shippedAt lines createdAt"),
    "GoodsReceipt": _type("id lines note createdAt"),
    "ReceiptLine": _type("lineId accepted rejected"),
    "QuantityLine": _type("lineId quantity"),
    "Invoice": _type(
        "id number status currency lines subtotal tax total exceptions resolutionNote createdAt "
        "availableActions"
    ),
    "InvoiceLine": _type("lineId quantity unitPrice"),
    "InvoiceException": _type("code lineId message"),
    "ReturnRequest": _type(
        "id status reason evidence lines decisionNote creditAmount createdAt availableActions"
    ),
    # the viewer's own organisation's policy (approvalPolicy)
    "ApprovalBand": _type("upTo approvalsRequired"),
    # sourcing
    "Rfq": _type(
        "id number title description currency needBy deadline visibility sealed status "
        "version createdAt publishedAt closedAt cancelReason deliveryAddress "
        "evaluationWeights category buyer lines quotes pricesSealed alreadyQuoted "
        # comparison: the service refuses anyone but the buyer, with an error;
        # availableActions: computed for the viewer (empty for anyone but the buyer)
        "comparison questions availableActions",
        externalReference=B,
        createdBy=B,
        invitations=B,
        quoteCount=B,
        myQuote=S,
    ),
    "RfqLine": _type(
        "id position description quantity unit specifications needBy targetUnitPrice category"
    ),
    "RfqInvitation": _type("invitedAt supplier"),
    "RfqQuestion": _type("id question answer askedAt answeredAt mine", askedBy=B),
    "Specification": _type("key value"),
    "EvaluationWeights": _type("price leadTime coverage supplierScore"),
    "Quote": _type(
        "id currency validUntil incoterm paymentTerms leadTimeDays shippingCost notes status "
        "revision submittedAt version createdAt pricesSealed awardedFully rfq supplier lines "
        "total revisions availableActions"
    ),
    "QuoteLine": _type("id quantity moq unitPrice priceBreaks lineTotal notes rfqLine"),
    "QuoteRevision": _type(
        "revision submittedAt currency validUntil incoterm paymentTerms leadTimeDays "
        "shippingCost total lines"
    ),
    "QuoteRevisionLine": _type("rfqLineId quantity moq unitPrice priceBreaks"),
    "PriceBreak": _type("minQuantity unitPrice"),
    # comparison: reached only through Rfq.comparison and the award (buyer only)
    "Comparison": _type("currency comparedOn weights conversions offers lines suggestedSplit"),
    "CriterionScore": _type("criterion rawValue normalizedValue weight contribution"),
    "CurrencyConversion": _type("fromCurrency toCurrency rate ratesUsed"),
    "LineComparison": _type("rfqLine offers offerCount"),
    "LineCoverage": _type("rfqLineId coverage"),
    "LineOfferType": _type(
        "rank quoteLineId quantity quantityOffered moq unitPrice unitLandedCost coverage "
        "quote supplier"
    ),
    "RankedOfferType": _type(
        "rank score landedCost coverage leadTimeDays meetsNeedBy supplierScore breakdown "
        "conversion quote lineCoverage supplier"
    ),
    "SingleSupplierAward": _type("quote total coverage"),
    "SplitAllocation": _type("quoteLineId rfqLineId quantity unitPrice cost quote supplier"),
    "SuggestedSplit": _type(
        "allocations total coverage supplierCount saving bestSingleSupplier uncoveredLines "
        "unquotedLineIds optimal candidateLimit"
    ),
    "SupplierScore": _type("value explanation"),
    "UncoveredLine": _type("rfqLineId quantity"),
    # catalog: a listing is a public offer
    "Listing": _type(
        "id title description unit currency unitPrice moq tiers leadTimeDays stockStatus "
        "status version createdAt priceFor supplier category availableActions"
    ),
    "PriceTier": _type("minQuantity unitPrice"),
    # parties
    "Organization": _type(
        "id name country baseCurrency isBuyer isSupplier verificationStatus website "
        "description version createdAt categories",
        verificationNote=M,
        overShipmentTolerance=M,
        priceTolerance=M,
        users=M,
        # administrators only, checked by the API-key service on top
        apiKeys=M,
    ),
    "User": _type(
        "id fullName version createdAt organization",
        email=M,
        roles=M,
        isActive=M,
        approvalLimit=M,
    ),
    # reached only by the organisation's administrators
    "ApiKey": _type("id name prefix roles createdAt lastUsedAt revokedAt createdBy"),
    "Category": _type("id code name parent children"),
    # money and audit: public rates; the audit log is its organisation admins'
    "FxRate": _type("base quote rate asOf"),
    "FxRateUsed": _type("base quote rate asOf"),
    "AuditEvent": _type(
        "id action entityType entityId actor organizationId before after requestId createdAt"
    ),
    # values
    "Money": _type("amount currency"),
    "Address": _type("line1 line2 city postalCode region country contactName contactPhone"),
}

#: object types that carry no data of their own, only other types: the roots, pages,
#: mutation payloads (returned to the one who acted) and errors
WRAPPER_SUFFIXES = ("Connection", "Edge", "Payload")
WRAPPERS = frozenset({"Query", "Mutation", "PageInfo", "UserError"})

#: quote prices nulled for the buyer while a sealed RFQ is open (``sourcing.sealing``)
SEALED = frozenset(
    {
        ("Quote", "shippingCost"),
        ("Quote", "total"),
        ("QuoteLine", "unitPrice"),
        ("QuoteLine", "priceBreaks"),
        ("QuoteLine", "lineTotal"),
        ("QuoteRevision", "shippingCost"),
        ("QuoteRevision", "total"),
        ("QuoteRevisionLine", "unitPrice"),
        ("PriceBreak", "unitPrice"),
    }
)


def audience_of(type_name: str, field: str) -> Audience | None:
    """The field's audience, or None when the table has no entry."""
    return FIELD_SIDES.get(type_name, {}).get(field)


def is_wrapper(type_name: str) -> bool:
    return type_name in WRAPPERS or type_name.endswith(WRAPPER_SUFFIXES)
