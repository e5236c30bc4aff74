"""Supplier verification: decided by platform staff (DESIGN §2).

``SUSPENDED --verify--> VERIFIED`` (reinstatement) is added to DESIGN's table: a supplier
suspended for an expired certificate must be able to come back without re-registering.
"""

from __future__ import annotations

from procurement.parties.models import VerificationStatus as V

VERIFICATION_TRANSITIONS: dict[tuple[V, str], V] = {
    (V.PENDING, "verify"): V.VERIFIED,
    (V.PENDING, "reject"): V.REJECTED,
    (V.VERIFIED, "suspend"): V.SUSPENDED,
    (V.SUSPENDED, "verify"): V.VERIFIED,
}
