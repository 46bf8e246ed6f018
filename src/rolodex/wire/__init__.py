"""The Insightly wire format: UPPER_SNAKE JSON, date strings, input models. Shared with the SDK."""
