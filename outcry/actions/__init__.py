"""The one way to take an action: limits, confirmation, consents, counters, the next step."""
