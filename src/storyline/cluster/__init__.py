"""Stories and storylines, as functions of records (assign.py, relations.py, storylines.py)."""
from .assign import (CountsComputed, PageMoved, StoryChanges, StoryOpened, StoryRemoved, StorySource, assign_stories,
                     head_story, review_stories)
from .storylines import StorylineChanges, StorylineSource, update_storylines
from .relations import relate_reports

__all__ = ["CountsComputed", "PageMoved", "StoryChanges", "StorylineChanges", "StorylineSource", "StoryOpened",
           "StoryRemoved", "StorySource", "assign_stories", "head_story", "review_stories", "update_storylines",
           "relate_reports"]
