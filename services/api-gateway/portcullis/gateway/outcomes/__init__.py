"""Inspection outcomes: what officers found, stored and published to the `outcomes` topic."""
