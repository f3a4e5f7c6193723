"""Batch story grouping for a large corpus held as plain records, in time blocks.

The online engine's decisions depend only on stories active within days of a
page (the time decay is negligible beyond a few widths), so the stream can be
cut into blocks of `block_days`: each block is grouped on its own (a map over
blocks: the later Dask engine runs blocks as partitions), and stories that
touch a cut are then compared with the stories of the previous block and merged
when the join model says they are one (a reduce over neighbouring blocks).
Document frequencies are counted over the whole corpus first, so every block
weighs terms alike. The result matches online grouping of the same stream in
date order within the tolerance measured by bench/cluster (agreement B-cubed F1).
Pages without a date go, in input order, into a last block of their own.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .model import JoinModel
from .online import StoryIndex
from .vectors import PageVectors, StoryCounts, Weights

Executor = Callable[[Callable[[list[PageVectors]], dict[str, str]], list[list[PageVectors]]], list[dict[str, str]]]


@dataclass(slots=True, frozen=True)
class BatchSettings:
    model: JoinModel
    sigma_days: float
    join_probability: float = 0.5
    block_days: int = 28


def _serial(func, blocks):
    return [func(block) for block in blocks]


def blocks_by_time(pages: Sequence[PageVectors], block_days: int) -> list[list[PageVectors]]:
    dated = sorted((p for p in pages if p.day is not None), key=lambda p: (p.day, p.id))
    undated = [p for p in pages if p.day is None]
    blocks: dict[int, list[PageVectors]] = {}
    for page in dated:
        blocks.setdefault(page.day // block_days, []).append(page)
    out = [blocks[k] for k in sorted(blocks)]
    return out + ([undated] if undated else [])


def weigh(records: Iterable[tuple[str, StoryCounts]]) -> list[PageVectors]:
    """Vectors of all records with document frequencies over the whole corpus."""
    records = list(records)
    weights = Weights()
    for _, counts in records:
        weights.count(counts)
    return [weights.vectors(page_id, counts) for page_id, counts in records]


def cluster_batch(pages: Sequence[PageVectors], settings: BatchSettings, *,
                  new_id: Callable[[str], str] = lambda pid: "s-" + pid,
                  executor: Executor = _serial) -> dict[str, str]:
    """page id -> story id, grouping each time block alone, then joining stories across cuts."""
    blocks = blocks_by_time(pages, settings.block_days)

    def group(block: list[PageVectors]) -> dict[str, str]:
        index = StoryIndex(settings.model, settings.join_probability, settings.sigma_days)
        return index.cluster(block, new_id)

    assignments = executor(group, blocks)
    by_id = {p.id: p for p in pages}
    out: dict[str, str] = {}
    # Reduce: rebuild each block's story states, and let the stories that start near a
    # cut join a story of the previous block when the model says they are one.
    previous: StoryIndex | None = None
    for block, assigned in zip(blocks, assignments):
        current = StoryIndex(settings.model, settings.join_probability, settings.sigma_days)
        for page in block:
            current.add(assigned[page.id], page)
        renamed: dict[str, str] = {}
        if previous is not None and block and block[0].day is not None:
            cut = block[0].day
            for story_id, state in sorted(current.stories.items()):
                if state.first_day is None or state.first_day - cut > 3 * settings.sigma_days:
                    continue
                decision = previous.decide(state.mean_vectors())
                if decision.story is not None:
                    renamed[story_id] = decision.story
        for page in block:
            story_id = assigned[page.id]
            out[page.id] = renamed.get(story_id, story_id)
        # The next block compares with this block's stories under their final ids.
        previous = StoryIndex(settings.model, settings.join_probability, settings.sigma_days)
        for page in block:
            previous.add(out[page.id], by_id[page.id])
    return out
