"""Forensics: content-farm score, injections across copies, real publication date, misdated.

assess() judges a working set of stored pages (run/ loads it); judge_alone() a page
with nothing around it (`storyline extract`, and a page's own date in the workers);
pages_to_redate() the pages dated earlier that pages dated now would anchor.
"""
from .assess import assess, judge_alone
from .similar import pages_to_redate

__all__ = ["assess", "judge_alone", "pages_to_redate"]
