"""Stories and storylines, as functions of records (assign.py, relations.py, storylines.py)."""
from .assign import StoryChanges, StorySource, assign_stories, head_story, review_stories, storylines_of
from .relations import relate_reports

__all__ = ["StoryChanges", "StorySource", "assign_stories", "head_story", "review_stories", "storylines_of",
           "relate_reports"]
