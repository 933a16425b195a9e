"""Identity matching for offline interactions (calls, e-mails, web forms) and CRM stage conversions.

``match_interactions`` turns interaction files into canonical touchpoints by finding each row's
customer (by customer id, then phone, then e-mail); ``stage_events`` / ``stage_conversions`` turn
CRM stages into canonical conversions.
"""
from __future__ import annotations

from attribution.identity.columns import (
    CustomerColumns,
    InteractionColumns,
    StageEventColumns,
    guess_customer_columns,
    guess_interaction_columns,
    guess_stage_event_columns,
)
from attribution.identity.match import IdentityMatch, InteractionFile, MatchOptions, match_interactions
from attribution.identity.normalise import normalise_emails, normalise_ids, parse_timestamps
from attribution.identity.phones import normalise_phones
from attribution.identity.report import (
    CUSTOMER_ISSUE_COLUMNS,
    ISSUE_COLUMNS,
    METHODS,
    STATS_COLUMNS,
    SUMMARY_COLUMNS,
)
from attribution.identity.stages import (
    CONVERSION_COLUMNS,
    STAGE_EVENT_COLUMNS,
    STAGE_REJECTED_COLUMNS,
    StageEvents,
    available_stages,
    guess_stage_columns,
    stage_conversions,
    stage_events,
)

__all__ = [
    "CONVERSION_COLUMNS", "CUSTOMER_ISSUE_COLUMNS", "ISSUE_COLUMNS", "METHODS", "STAGE_EVENT_COLUMNS",
    "STAGE_REJECTED_COLUMNS", "STATS_COLUMNS", "SUMMARY_COLUMNS", "CustomerColumns", "IdentityMatch", "InteractionColumns", "InteractionFile", "MatchOptions",
    "StageEventColumns", "StageEvents", "available_stages", "guess_customer_columns",
    "guess_interaction_columns", "guess_stage_columns", "guess_stage_event_columns", "match_interactions",
    "normalise_emails", "normalise_ids", "normalise_phones", "parse_timestamps", "stage_conversions",
    "stage_events",
]
