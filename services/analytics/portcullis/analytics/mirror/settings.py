"""Mirror analysis settings (env PORTCULLIS_ANALYTICS_MIRROR_*)."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class MirrorSettings(BaseSettings):
    """Whose imports are mirrored, how declared values become US dollars, and how CIF becomes FOB."""

    model_config = SettingsConfigDict(env_prefix="PORTCULLIS_ANALYTICS_MIRROR_", frozen=True, extra="ignore")

    country: str = Field(
        default="KOR",
        pattern=r"^[A-Z]{3}$",
        description="The agency's country (ISO 3166-1 alpha-3): partner records whose partner it is are compared",
    )
    declared_currency: str = Field(
        default="KRW",
        pattern=r"^[A-Z]{3}$",
        description="ISO 4217 currency of the declarations' customs values (item_price): the national currency",
    )
    rates_path: Path | None = Field(
        default=None,
        description="CSV rate table the agency provides (currency,period,usd_per_unit; period YYYY-MM or YYYY); "
        "a month without a rate is flagged, never guessed. Not needed when declared_currency is USD",
    )
    cif_fob_factor: float = Field(
        default=1.10,
        ge=1.0,
        le=2.0,
        description="Declared (CIF) values are divided by this to compare with partners' FOB exports (IMF: 1.10)",
    )
    max_import_bytes: int = Field(default=64 * 1024 * 1024, gt=0, description="Largest Comtrade file imported")
    drill_down: int = Field(default=5, ge=0, le=50, description="Importers and declarations named per ranked row")
    gap_months: int = Field(
        default=12,
        ge=1,
        le=36,
        description="Months the published gap table (`mirror-gaps`, scoring's rule fields) compares, up to the "
        "latest month partners reported",
    )
    gaps_every_s: float = Field(
        default=24 * 3600.0,
        ge=0,
        description="How often the gap table is computed and published again (declarations keep arriving); it is "
        "also published after every import that changed the dataset. 0: only after imports",
    )
