"""The analytics service: a history store of every stream in Parquet, and reports over it with DuckDB."""
