"""No N+1 on purchase order lists: the statement count does not grow with the page."""

from __future__ import annotations

from tests.conftest import StatementCounter
from tests.helpers import Api
from tests.ordering_docs import Shop

ORDERS = """
query Orders($first: Int!) {
  purchaseOrders(first: $first) {
    edges { node {
      number status availableActions supplier { name } buyer { name }
      lines { quantity unitPrice { amount } }
      approvals { decision approver { email } }
      shipments { id } receipts { id } invoices { id } returns { id } revisions { version }
    } }
  }
}
"""


async def test_order_list_statements_do_not_grow(api: Api, sql_counter: StatementCounter) -> None:
    shop = await Shop(api).setup()
    for _ in range(12):
        await shop.order("20")
    counts = {}
    for first in (3, 12):
        sql_counter.reset()
        data = await api.gql(ORDERS, {"first": first}, shop.token("buyer"))
        edges = data["purchaseOrders"]["edges"]
        assert len(edges) == first
        assert edges[0]["node"]["availableActions"] == ["SUBMIT", "CHANGE", "CANCEL"]
        counts[first] = sql_counter.count
    # viewer, page, organisations, lines, and one batch per child kind (6)
    assert counts[3] == counts[12] == 10, counts
