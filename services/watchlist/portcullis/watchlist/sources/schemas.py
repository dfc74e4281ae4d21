"""What the list-source API takes and answers."""

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from portcullis.shared.schemas.watchlist import Action
from portcullis.watchlist.entries.schemas import ImportResult

_MAX_FILE = 64 * 1024 * 1024


class RefreshRequest(BaseModel):
    """A version of a list: its files by name, as text (what `portcullis watchlist refresh` sends)."""

    model_config = ConfigDict(extra="forbid")

    files: dict[str, str] = Field(
        min_length=1,
        max_length=4,
        description="File name → content, e.g. {'consolidated.xml': '<?xml …'}; the names GET /v1/watchlist/sources"
        " lists for the source",
    )
    origin: str | None = Field(default=None, max_length=500, description="Where the files came from (URL or folder)")
    action: Action = Field(default_factory=lambda: Action(lane="red"), description="What a hit does")

    def total_chars(self) -> int:
        """The size of the files, in characters."""
        return sum(len(content) for content in self.files.values())


class ListDiffIds(BaseModel):
    """The entries a version added (or restored), changed and removed: what re-screening starts from."""

    added: list[str] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)


class RefreshResult(ImportResult):
    """What a refresh changed, the version it brought and the ids of the changed entries."""

    source: str
    version: str = Field(description="The publication date the files state, else `sha256:` and the content hash")
    content_sha256: str
    new_version: bool = Field(description="False when the content was the stored version's (nothing was written)")
    diff: ListDiffIds


class SourceVersion(BaseModel):
    """One stored version of a list."""

    version: str
    published: str | None
    content_sha256: str
    origin: str | None
    imported_by: str
    imported_at: AwareDatetime
    parties: int
    rejected: int
    added: int
    changed: int
    removed: int
    diff: ListDiffIds


class SourceInfo(BaseModel):
    """A named list source, the files a version of it consists of, and its current version."""

    name: str
    list_name: str = Field(description="The list name its entries carry; screening reasons name it")
    title: str
    files: list[str]
    required_files: list[str]
    publisher_url: str
    current: SourceVersion | None


class SourceHistory(SourceInfo):
    """A source with its latest versions, newest first."""

    versions: list[SourceVersion]
