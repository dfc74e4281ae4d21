"""Statistics: lane mix, hit rates and decision latencies over a time range."""
