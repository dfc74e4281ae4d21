"""Decisions: the store fed from Kafka, queries, cursor pagination and the live stream."""
