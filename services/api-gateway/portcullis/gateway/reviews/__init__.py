"""Review of possible matches: the queue of analysts, confirmations (an amended decision) and dismissals (a reason)."""
