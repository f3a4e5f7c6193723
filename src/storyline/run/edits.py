"""Stories edited by hand: merge two stories, split pages off a story. Later runs keep the edit:
the pages moved are pinned to their story (review never splits them out) and a split pair is
kept apart (no merge joins them again). After the edit, the stories' states, dates, relations,
titles and storylines are recomputed for the stories touched, in one transaction."""
from __future__ import annotations

from ..cluster.assign import story_id_for
from ..config import Config
from ..errors import UsageError
from ..store.sqlite import SqliteStore
from .working import assess_pages, assign_stories, relate_and_refresh, update_storylines, upgrade


def _live(store: SqliteStore, story_id: str) -> str:
    resolved = store.resolve_story(story_id)
    if resolved is None:
        raise UsageError(f"no story {story_id!r} (see `storyline stories`)")
    return resolved


def merge_stories(store: SqliteStore, keep: str, other: str, config: Config) -> str:
    """`other`'s pages join `keep`; `other`'s id resolves to `keep` from now on. Returns `keep`."""
    upgrade(store, config)
    with store.transaction():
        given = (keep, other)
        keep, other = _live(store, keep), _live(store, other)
        if keep == other:
            named = " and ".join(g if g == keep else f"{g} (merged into {keep})" for g in given)
            raise UsageError(f"{named} are one story already")
        moving = [page.id for page in store.story_pages([other])]
        for page in moving:
            store.set_story(page, keep)
        left = {other: store.delete_story(other, merged_into=keep, pages=moving)}
        store.pin_pages([p.id for p in store.story_pages([keep])], keep)
        _recompute(store, {keep}, left, config)
    return keep


def split_story(store: SqliteStore, story_id: str, page_ids: list[str], config: Config) -> str:
    """These pages (with their copies) leave the story for a new one of their own. Returns its id."""
    upgrade(store, config)
    with store.transaction():
        story_id = _live(store, story_id)
        members = {p.id: p for p in store.story_pages([story_id])}
        strangers = [p for p in page_ids if p not in members]
        if strangers:
            raise UsageError(f"not pages of {story_id}: {', '.join(strangers)}")
        moving = set(page_ids) | {c.id for c in store.copies_of(page_ids) if c.id in members}
        if moving >= set(members):
            raise UsageError(f"that is every page of {story_id}: nothing would be left")
        lines = set(store.storylines_of([story_id]).values())
        new_id = story_id_for(sorted(moving, key=lambda p: members[p].seq)[0])
        while store.resolve_story(new_id) is not None:
            new_id = story_id_for(new_id)
        store.upsert_story(new_id)
        for page in sorted(moving):
            store.set_story(page, new_id)
        store.pin_pages(sorted(moving), new_id)
        store.keep_apart(story_id, new_id)
        _recompute(store, {story_id, new_id}, {}, config)
        # Ids merged into the story before follow the pages they held, to the new story if they left.
        store.follow_alias_pages("story", [story_id])
        store.follow_alias_pages("storyline", lines | set(store.storylines_of([story_id, new_id]).values()))
    return new_id


def _recompute(store: SqliteStore, stories: set[str], left: dict[str, str | None], config: Config) -> None:
    for story_id in stories:
        store.forget_story_states(story_id)
    assign_stories(store, [], set(), config)  # rebuilds the states just forgotten
    redated = assess_pages(store, {p.id for p in store.story_pages(sorted(stories))})
    # Pages of other stories whose dates the edit moved (late anchors): their stories' spans move too.
    stories = stories | store.stories_of(redated)
    relate_and_refresh(store, stories, config)
    update_storylines(store, stories, left, config)
