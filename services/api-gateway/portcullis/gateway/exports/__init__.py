"""Read-only exports of the store for offline tooling (retraining from feedback)."""
