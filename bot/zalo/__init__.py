"""Everything that speaks Zalo's OA API: errors, message payloads, tokens, the HTTP client."""
