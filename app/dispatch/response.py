"""The provider's own answer as an attempt keeps it: masked and bounded.

Providers echo the recipient and sometimes the message back, so every string is masked as free
text before it is stored; an answer larger than `MAX_CHARS` as JSON keeps its first characters
only, so a provider that answers with a page of HTML cannot grow the delivery log without end.
"""

import json
from collections.abc import Mapping
from typing import Any

from app.masking import mask_value

MAX_CHARS = 4000
"""Characters of JSON kept per answer; Twilio's message resource is about 1,000."""


def kept_response(raw: Mapping[str, Any]) -> dict[str, Any] | None:
    """None for an adapter that reports nothing beyond the normalized fields."""
    if not raw:
        return None
    masked = mask_value(json.loads(json.dumps(dict(raw), default=str)))
    text = json.dumps(masked, ensure_ascii=False)
    if len(text) <= MAX_CHARS:
        return dict(masked)
    return {"truncated": text[:MAX_CHARS]}
