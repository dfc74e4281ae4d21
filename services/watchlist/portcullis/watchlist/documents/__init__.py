"""Versioned documents (watchlist entries, selectivity rules): one service and one router for both kinds."""
