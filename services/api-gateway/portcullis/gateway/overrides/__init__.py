"""Lane overrides: a supervisor re-routes a decided subject, with a reason; stored as a new version, published."""
