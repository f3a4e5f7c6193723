"""Stories and storylines, as functions of records (assign.py, relations.py, storylines.py)."""
from .assign import (CountsComputed, PageMoved, StoryChanges, StoryOpened, StoryRemoved, StorySource, assign_stories,
                     head_story, review_stories, storylines_of)
from .relations import relate_reports

__all__ = ["CountsComputed", "PageMoved", "StoryOpened", "StoryRemoved", "StoryChanges", "StorySource", "assign_stories", "head_story", "review_stories", "storylines_of",
           "relate_reports"]
