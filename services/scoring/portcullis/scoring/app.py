"""The scoring service: consumes declarations, passenger records and container events in batches and produces lane
decisions; serves health and metrics."""

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI

from portcullis.scoring.amendments import SelectionView, selections_follower
from portcullis.scoring.containers import ContainerPipeline
from portcullis.scoring.dismissals import reviews_follower
from portcullis.scoring.links import LinkView, links_follower
from portcullis.scoring.list_follower import list_follower
from portcullis.scoring.lists import ListState
from portcullis.scoring.mirror_gaps import MirrorGapTable, mirror_gaps_follower
from portcullis.scoring.models import ModelHolder
from portcullis.scoring.passengers import PassengerPipeline
from portcullis.scoring.pipeline import DeclarationPipeline
from portcullis.scoring.settings import ScoringSettings
from portcullis.shared.compiled import report_compiled
from portcullis.shared.http import install_common
from portcullis.shared.kafka import BatchConsumer, BatchHandler, CompactedTopicFollower, Publisher
from portcullis.shared.logging import get_logger
from portcullis.shared.memory import collect_between_batches, freeze_long_lived
from portcullis.shared.schemas import Declaration, Stream
from portcullis.shared.streams import CATALOGUE, StreamCatalogue

log = get_logger(__name__)


@dataclass(frozen=True)
class PipelineResources:
    """What a stream's pipeline may use: the settings, the model, the lists, the producer, the selections, the links."""

    settings: ScoringSettings
    models: ModelHolder
    lists: ListState
    publisher: Publisher
    selections: SelectionView
    links: LinkView | None = None
    mirror: MirrorGapTable | None = None


#: Builds the batch handler of one stream from the shared resources.
PipelineFactory = Callable[[PipelineResources], BatchHandler]

#: The pipeline of every scored stream of the catalogue, by the stream's kind.
PIPELINES: Mapping[Stream, PipelineFactory] = {
    Stream.DECLARATION: lambda r: (
        DeclarationPipeline(r.settings, r.models, r.lists, r.publisher, r.selections, r.links, r.mirror).handle
    ),
    Stream.PASSENGER: lambda r: PassengerPipeline(r.settings, r.lists, r.publisher, r.selections).handle,
    Stream.CONTAINER: lambda r: ContainerPipeline(r.settings, r.lists, r.publisher, r.selections, r.links).handle,
}


def create_app(
    settings: ScoringSettings,
    catalogue: StreamCatalogue = CATALOGUE,
    pipelines: Mapping[Stream, PipelineFactory] = PIPELINES,
) -> FastAPI:
    """Build the scoring application (a consumer per scored stream of `catalogue`, its handler from `pipelines`);
    model, producer and consumers open in the lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            publisher = Publisher(settings.kafka)
            stack.push_async_callback(publisher.close)
            models = ModelHolder(
                settings.model_registry,
                settings.expected_red_rate,
                settings.expected_yellow_rate,
                warm_up=_warm_up_declaration(),
            )
            await models.refresh()
            if models.current is None:
                log.warning("no_model_published", registry=str(settings.model_registry))
            report_compiled()
            lists = ListState()
            follower = list_follower(settings.kafka, lists)
            follower.start()
            stack.push_async_callback(follower.close)
            # Analysts' dismissals of possible matches (read to the end before scoring, like the watchlists).
            reviews = reviews_follower(settings.kafka, lists)
            reviews.start()
            stack.push_async_callback(reviews.close)
            # The subjects scoring selected, to recognise amendments after selection (read to the end before scoring).
            selected = SelectionView(settings.kafka.topic("selections"))
            selections = selections_follower(settings.kafka, selected)
            selections.start()
            stack.push_async_callback(selections.close)
            # What container events showed about boxes and vessels, and the declarations naming boxes (links.py).
            linked = LinkView(settings.kafka.topic("links"), settings.link_window_days * 24 * 3600)
            links = links_follower(settings.kafka, linked)
            links.start()
            stack.push_async_callback(links.close)
            # The mirror gap table the `mirror_*` rule fields read (mirror_gaps.py).
            mirror = MirrorGapTable()
            gaps = mirror_gaps_follower(settings.kafka, mirror)
            gaps.start()
            stack.push_async_callback(gaps.close)
            resources = PipelineResources(settings, models, lists, publisher, selected, linked, mirror)
            # Each stream its own consumer group, so one stream's backlog or dead letters never hold up another's.
            consumers = [
                BatchConsumer(
                    settings.kafka,
                    [settings.kafka.topic(stream.topic)],
                    settings.group_of(stream),
                    pipelines[stream.kind](resources),
                    publisher,
                    max_batch=settings.max_batch,
                )
                for stream in catalogue.scored()
            ]
            watcher = asyncio.create_task(models.follow(settings.model_poll_s), name="model-watcher")
            stack.push_async_callback(_cancel, watcher)
            # Every stream waits until the watchlists, rules, selections, links, dismissals and mirror gaps are read to
            # their topics' ends.
            starter = asyncio.create_task(
                _start_when_ready([follower, selections, links, reviews, gaps], consumers), name="consumer-starter"
            )
            for each in consumers:
                stack.push_async_callback(each.close)
            stack.push_async_callback(_cancel, starter)
            app.state.models = models
            app.state.follower = follower
            app.state.selections = selections
            app.state.links = links
            app.state.reviews = reviews
            app.state.mirror_gaps = gaps
            app.state.consumers = consumers
            app.state.publisher = publisher
            yield

    app = FastAPI(
        title="Portcullis scoring",
        version="0.1.0",
        lifespan=lifespan,
        summary="Scores declarations, passenger records and container events with rules, watchlists and risk scores; "
        "health and metrics only over HTTP.",
    )

    async def ready() -> dict[str, bool]:
        return {
            "model": app.state.models.current is not None,
            "watchlist": app.state.follower.caught_up.is_set(),
            "selections": app.state.selections.caught_up.is_set(),
            "links": app.state.links.caught_up.is_set(),
            "reviews": app.state.reviews.caught_up.is_set(),
            "mirror_gaps": app.state.mirror_gaps.caught_up.is_set(),
            "kafka": all(each.running for each in app.state.consumers) and await app.state.publisher.start(),
        }

    install_common(app, "scoring", ready)
    return app


async def _start_when_ready(followers: list[CompactedTopicFollower], consumers: list[BatchConsumer]) -> None:
    for follower in followers:
        await follower.caught_up.wait()
    # The model and the watchlist index (hundreds of thousands of objects) live as long as the process: moved out
    # of the garbage collector's generations, they are not traversed again on every collection of a batch's garbage.
    freeze_long_lived()
    collect_between_batches()
    for consumer in consumers:
        consumer.start()


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def _warm_up_declaration() -> Declaration:
    example = Declaration.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
    return Declaration.model_validate(example)
