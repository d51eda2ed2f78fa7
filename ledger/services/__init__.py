"""Writes of the partner-contribution ledger.

``transfers_create`` is the only write path of the journal and of the account counters. The business flows below it
(pledge, payment, withdrawal, guarantee, in-kind contribution, reversal) are for finance admins: each checks the role,
builds transfers with a client-supplied id (so a double submit moves nothing twice) and raises ``ValidationError``
with a readable message when the ledger refuses them.
"""

from ledger.services.flows import (
    RESULT_MESSAGES,
    guarantee_record,
    in_kind_record,
    ledger_eur,
    partner_account,
    pending_post,
    pending_void,
    pledge_record,
    reversal_id,
    tranche_account,
    transfer_reverse,
)
from ledger.services.transfers import (
    CODES,
    MAX_BATCH,
    NAMESPACE,
    TransferResult,
    pending_void_expired,
    transfers_create,
)

__all__ = [
    "CODES",
    "MAX_BATCH",
    "NAMESPACE",
    "RESULT_MESSAGES",
    "TransferResult",
    "guarantee_record",
    "in_kind_record",
    "ledger_eur",
    "partner_account",
    "pending_post",
    "pending_void",
    "pending_void_expired",
    "pledge_record",
    "reversal_id",
    "tranche_account",
    "transfer_reverse",
    "transfers_create",
]
