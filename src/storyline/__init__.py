"""storyline: scraped news pages in, clean articles, copies and stories out."""
from .api import Storyline, extract
from .config import Config, load_config

__all__ = ["Storyline", "extract", "Config", "load_config"]
__version__ = "0.1.0"
